import { DevexRangeQuery, DevexSourceStatus, DevexTeamRow } from './metrics';

/**
 * A DORA performance tier. Thresholds come from config
 * (`devex.delivery.tiers`), by default from the clusters of the 2024
 * Accelerate State of DevOps report (see docs/devex.md).
 *
 * @public
 */
export type DeliveryTier = 'elite' | 'high' | 'medium' | 'low';

/**
 * A delivery question: a range, and optionally one team (the owner of the
 * components) and/or one component (an entity ref).
 *
 * @public
 */
export interface DeliveryQuery extends DevexRangeQuery {
  /** A component entity ref, e.g. `component:default/payments`. */
  component?: string;
}

/**
 * The five delivery figures over one scope (all, a team, a component, a
 * group of components). Each figure has its tier (null when there is no
 * value, or no thresholds are configured for it) and the count it stands on.
 *
 * @public
 */
export interface DeliveryFigures {
  /** Successful production deployments (by deployment day). */
  deploymentFrequency: {
    deployments: number;
    perDay: number;
    perWeek: number;
    tier: DeliveryTier | null;
  };
  /**
   * First commit of a change → the first successful production deployment
   * that contains it, for changes that reached production in the range.
   */
  leadTime: {
    /** Changes deployed in the range with a known first commit (the n of the percentiles). */
    changes: number;
    p50Seconds: number | null;
    p90Seconds: number | null;
    /** Tier of the p50. */
    tier: DeliveryTier | null;
    /** Changes deployed in the range whose first commit is unknown (not in the percentiles). */
    withoutFirstCommit: number;
    /** Changes merged in the range not in production (yet). */
    notDeployed: number;
  };
  /** Production deployments followed by an incident or a rollback / all. */
  changeFailureRate: {
    deployments: number;
    failed: number;
    /** Of `failed`: followed by an incident on the component / rolled back (one may be both). */
    byIncident: number;
    byRollback: number;
    /** failed / deployments (0–1); null with no deployments. */
    rate: number | null;
    tier: DeliveryTier | null;
  };
  /** Incident opened → resolved, for incidents resolved in the range. */
  recoveryTime: {
    incidents: number;
    p50Seconds: number | null;
    p90Seconds: number | null;
    /** Tier of the p50. */
    tier: DeliveryTier | null;
    /** Incidents opened in the range and not resolved by its end. */
    open: number;
  };
  /** Production deployments made while an incident on the component was open / all. */
  reworkRate: {
    deployments: number;
    rework: number;
    rate: number | null;
    /** The 2024 report gives no rework clusters: null unless configured. */
    tier: DeliveryTier | null;
  };
}

/** One ISO week (Monday) of a delivery series. @public */
export interface DeliverySeriesPoint {
  week: string;
  deployments: number;
  failed: number;
  rework: number;
  changeFailureRate: number | null;
  reworkRate: number | null;
  leadTimeP50Seconds: number | null;
  incidentsResolved: number;
  recoveryP50Seconds: number | null;
}

/** The thresholds the tiers were read with (from config or the defaults). @public */
export interface DeliveryTierThresholds {
  /** Where the defaults come from, e.g. "DORA, Accelerate State of DevOps 2024". */
  source: string;
  /** Minimum deployments per week for each tier (low below medium). */
  deploymentsPerWeek: { elite: number; high: number; medium: number };
  /** Maximum p50 lead time in hours. */
  leadTimeHours: { elite: number; high: number; medium: number };
  /** Maximum change failure rate (0–1). */
  changeFailureRate: { elite: number; high: number; medium: number };
  /** Maximum p50 recovery time in hours. */
  recoveryTimeHours: { elite: number; high: number; medium: number };
  /** Maximum rework rate (0–1); null when not configured. */
  reworkRate: { elite: number; high: number; medium: number } | null;
}

/**
 * Present when the delivery index had not read every stored fact within the
 * request's time (a large import or backfill): the figures are from what it
 * has read so far; the rest follows in the background.
 *
 * @public
 */
export interface DeliveryIndexing {
  /** Facts stored that the index has yet to read. */
  factsBehind: number;
}

/** @public */
export interface DeliveryReport {
  query: DeliveryQuery;
  indexing?: DeliveryIndexing;
  /** The environments counted as production (`devex.delivery.productionEnvironments`). */
  productionEnvironments: string[];
  tiers: DeliveryTierThresholds;
  totals: DeliveryFigures;
  /** Per ISO week of the range (Monday; the first and last may be cut by the range). */
  series: DeliverySeriesPoint[];
  /** Every component with delivery in the range (those of the team / the one asked for). */
  components: (DeliveryFigures & {
    component: string;
    title?: string;
    /** The owning team, as the catalog says now. */
    team?: string;
    /** Created by a golden-path run (or annotated `trellis.dev/golden-path`). */
    goldenPath: boolean;
  })[];
  /** By owning team; teams under the privacy minimum folded into "other". Empty with a team or component filter. */
  byTeam: (DevexTeamRow & DeliveryFigures & { components: number })[];
  sources: DevexSourceStatus[];
}

/** Which facts an evidence listing returns. @public */
export type DeliveryEvidenceKind = 'deployments' | 'changes' | 'incidents';

/** @public */
export interface DeliveryEvidenceQuery extends DeliveryQuery {
  kind: DeliveryEvidenceKind;
  /** The `next` of the previous page. */
  after?: string;
  /** 1–500, default 100. */
  limit?: number;
}

/** A production deployment behind a figure. @public */
export interface DeliveryDeploymentEvidence {
  /** The fact id (see `GET /facts` for admins) and subject. */
  factId: number;
  subject: string;
  component?: string;
  repo: string;
  environment: string;
  status: string;
  sha?: string;
  url?: string;
  time: string;
  /** Followed by an incident (its subject) or rolled back. */
  failed: boolean;
  failedBy: { incident?: string; rollback?: string } | null;
  /** Made while an incident on the component was open (its subject). */
  rework: boolean;
  reworkFor?: string;
  /** Changes whose first production deployment this is. */
  changes: number;
  /** Only for devex admins: who deployed (a user entity ref). */
  actor?: string;
}

/** A merged change behind the lead time. @public */
export interface DeliveryChangeEvidence {
  factId: number;
  subject: string;
  component?: string;
  repo: string;
  number?: number;
  url?: string;
  mergedAt: string;
  firstCommitAt?: string;
  mergeSha?: string;
  /** The first successful production deployment containing it. */
  deployedAt?: string;
  deployment?: string;
  leadTimeSeconds?: number;
  /** Only for devex admins: the author (a user entity ref). */
  actor?: string;
}

/** An incident behind the recovery time, failure and rework figures. @public */
export interface DeliveryIncidentEvidence {
  subject: string;
  component?: string;
  title?: string;
  url?: string;
  severity?: string;
  openedAt: string;
  resolvedAt?: string;
  recoverySeconds?: number;
  /** The production deployment it is counted against, if any. */
  deployment?: string;
}

/** One page of evidence, newest first. @public */
export interface DeliveryEvidencePage {
  query: DeliveryEvidenceQuery;
  items: (
    | DeliveryDeploymentEvidence
    | DeliveryChangeEvidence
    | DeliveryIncidentEvidence
  )[];
  /** Pass as `after` for the next page; absent on the last. */
  next?: string;
}

/** Onboarding figures of a group of new users (never one person). @public */
export interface OnboardingFigures {
  /** New users (start date in the range). */
  newUsers: number;
  /** Of them, how many have merged a first change / an Nth change so far. */
  withFirstChange: number;
  medianDaysToFirstChange: number | null;
  withNthChange: number;
  medianDaysToNthChange: number | null;
}

/** @public */
export interface OnboardingReport {
  query: DevexRangeQuery;
  indexing?: DeliveryIndexing;
  /** N of "days to the Nth merged change" (`devex.onboarding.nthChange`, default 10). */
  nthChange: number;
  /** How start dates were found: the `trellis.dev/start-date` annotation, or first seen. */
  startDates: { annotation: number; firstSeen: number };
  totals: OnboardingFigures;
  /**
   * Cohorts by start month (YYYY-MM-01). A cohort under the privacy minimum
   * has `folded: true` and null medians / counts of 0 except `newUsers`.
   */
  byMonth: (OnboardingFigures & { month: string; folded?: boolean })[];
  /** By current team; teams with fewer new users than the privacy minimum folded into "other". */
  byTeam: (DevexTeamRow & OnboardingFigures)[];
  sources: DevexSourceStatus[];
}

/** One side of a comparison: its size and figures. @public */
export interface ImpactSide {
  /** Components (golden path split) or days (before/after) on this side. */
  n: number;
  delivery: DeliveryFigures;
  /** New users on this side (their onboarding). */
  onboarding: OnboardingFigures;
}

/** @public */
export interface ImpactReport {
  query: DevexRangeQuery;
  indexing?: DeliveryIndexing;
  /** Said wherever the figures are shown: these are comparisons, not causes. */
  caveat: string;
  /**
   * Components created by a golden-path run (or annotated) vs the rest
   * (n = components with delivery facts in the range). Onboarding: new users
   * of teams that own at least one golden-path component vs the others.
   */
  goldenPath: { goldenPath: ImpactSide; other: ImpactSide };
  /**
   * Per team: before vs after it adopted the platform (its first
   * golden-path run or platform resource), inside the range (n = days on
   * each side). Teams that adopted before the range or not at all have only
   * one side. Teams under the privacy minimum are folded into "other" (sides summed).
   */
  teams: (DevexTeamRow & {
    adoptedAt: string | null;
    adoptedBy: 'golden-path' | 'platform-resource' | null;
    before: ImpactSide | null;
    after: ImpactSide | null;
  })[];
  sources: DevexSourceStatus[];
}
