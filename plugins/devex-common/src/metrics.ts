/**
 * What every metrics question asks: a range of days (inclusive, `YYYY-MM-DD`,
 * days as the store's reporting time zone counts them) and optionally one
 * team (a group entity ref).
 *
 * @public
 */
export interface DevexRangeQuery {
  from: string;
  to: string;
  team?: string;
}

/** One value on one day (or the first day of a week or month). @public */
export interface DevexSeriesPoint {
  date: string;
  value: number;
}

/**
 * A team's figures, or the fold of every team smaller than
 * `devex.privacy.minGroupSize` (`team: 'other'`, `folded: true`, `teams`
 * counts how many were folded).
 *
 * @public
 */
export interface DevexTeamRow {
  /** A group entity ref, or `other` for the fold of small teams. */
  team: string;
  title?: string;
  folded?: boolean;
  /** For the fold: how many teams it holds. */
  teams?: number;
}

/** Whether a source has delivered anything, and how to connect it if not. @public */
export interface DevexSourceStatus {
  id: string;
  title: string;
  /** Facts stored from this source in all. */
  facts: number;
  lastFactAt?: string;
  /** What to do when it has delivered nothing (shown in empty views). */
  howToConnect: string;
}

/** @public */
export interface AdoptionReport {
  query: DevexRangeQuery;
  /** Catalog users who could use the portal (all User entities; config may narrow it). */
  eligibleUsers: number;
  totals: {
    /** Distinct users active at least once in the range. */
    activeUsers: number;
    /** Active users first seen in the range. */
    newUsers: number;
    /** Active users first seen before the range. */
    returningUsers: number;
    /** activeUsers / eligibleUsers (0–1). */
    adoptionRate: number;
  };
  /** Distinct active users per day, per ISO week (Monday) and per calendar month. */
  activeUsers: {
    daily: DevexSeriesPoint[];
    weekly: DevexSeriesPoint[];
    monthly: DevexSeriesPoint[];
  };
  /** Per ISO week in the range: active users first seen that week vs before. */
  newVsReturning: { week: string; new: number; returning: number }[];
  /**
   * Weekly cohorts: of the users first seen in `week`, the share (0–1) active
   * in each of the next 8 weeks (`null` for weeks not over yet). Cohorts
   * smaller than the privacy minimum have `retention: null` entries only.
   */
  cohorts: { week: string; size: number; retention: (number | null)[] }[];
  byTeam: (DevexTeamRow & { activeUsers: number; eligibleUsers: number })[];
  /** By plugin (or page) the activity came from. */
  byPlugin: { plugin: string; activeUsers: number; events: number }[];
  sources: DevexSourceStatus[];
}

/** Run counts and durations of one template, a team, or all. @public */
export interface GoldenPathFigures {
  runs: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** completed / (completed + failed); cancelled runs are shown apart. Null with no finished runs. */
  successRate: number | null;
  medianDurationSeconds: number | null;
  p90DurationSeconds: number | null;
  /** `backstage.io/time-saved` × completed runs. */
  timeSavedSeconds: number;
}

/** @public */
export interface GoldenPathFailure {
  templateRef: string;
  step: string;
  message: string;
  count: number;
}

/** @public */
export interface GoldenPathsReport {
  query: DevexRangeQuery;
  totals: GoldenPathFigures;
  series: {
    date: string;
    completed: number;
    failed: number;
    cancelled: number;
  }[];
  templates: (GoldenPathFigures & {
    templateRef: string;
    title?: string;
    topFailures: GoldenPathFailure[];
  })[];
  byTeam: (DevexTeamRow & GoldenPathFigures)[];
  topFailures: GoldenPathFailure[];
  sources: DevexSourceStatus[];
}

/** The platform's own service levels for one capability, or all. @public */
export interface ServiceLevelFigures {
  requests: number;
  ready: number;
  failed: number;
  /** failed / requests that reached Ready or Failed. Null with none. */
  failureRate: number | null;
  timeToReadyP50Seconds: number | null;
  timeToReadyP95Seconds: number | null;
  /** Time a request waited before an engine picked it up. */
  pickupWaitP50Seconds: number | null;
  pickupWaitP95Seconds: number | null;
}

/** @public */
export interface ServiceLevelsReport {
  query: DevexRangeQuery;
  totals: ServiceLevelFigures & {
    rolloutsCompleted: number;
    rolloutsFailed: number;
  };
  series: { date: string; requests: number; ready: number; failed: number }[];
  capabilities: (ServiceLevelFigures & {
    capabilityRef: string;
    engine: string;
  })[];
  topFailures: { capabilityRef: string; message: string; count: number }[];
  sources: DevexSourceStatus[];
}

/** A team's headline figures (the group entity card). @public */
export interface TeamSummary {
  query: DevexRangeQuery;
  team: string;
  /** True when the team is smaller than the privacy minimum: no figures then. */
  folded: boolean;
  members: number;
  activeUsers: number | null;
  goldenPathRuns: number | null;
  goldenPathSuccessRate: number | null;
  timeSavedSeconds: number | null;
  platformRequests: number | null;
  timeToReadyP50Seconds: number | null;
}

/** The metrics the API answers, for `GET /metrics/{metric}`. @public */
export const DEVEX_METRICS = [
  'adoption',
  'golden-paths',
  'service-levels',
  'delivery',
  'onboarding',
  'impact',
] as const;

/** @public */
export type DevexMetric = (typeof DEVEX_METRICS)[number];
