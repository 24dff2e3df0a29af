/*
 * The platform-impact report from what DeliveryMetrics read: golden-path
 * components vs the rest, and each team before and after it adopted the
 * platform (its first golden-path run or platform request), with the size of
 * every group.
 */
import {
  DeliveryTierThresholds,
  DevexRangeQuery,
  DevexSourceStatus,
  DevexTeamRow,
  ImpactReport,
  ImpactSide,
} from '@trellis/backstage-plugin-devex-common';
import { addDays, daysBetween, ReportingCalendar } from '../../rollups/days';
import { foldTeams, otherRow, TeamInfo, teamRow } from '../privacy';
import {
  addAgg,
  DeliveryAgg,
  deliveryFigures,
  emptyAgg,
  ScopeAggs,
  sumAggs,
} from './aggregates';
import { DeliveryCatalogSnapshot } from './DeliveryCatalog';
import { NewUser, onboardingFigures } from './Onboarding';

export const IMPACT_CAVEAT =
  'These are comparisons between groups, with the size of each group; they do not show that the platform caused any difference.';

/** What the impact report is computed from. */
export interface ImpactInput {
  query: DevexRangeQuery;
  teams: Map<string, TeamInfo>;
  catalog: DeliveryCatalogSnapshot;
  /**
   * Per scope, split at its owner's adoption (readImpactAggs with
   * `impactPeriod`): periods 'before' and 'after', and '' for the range-wide
   * counts; a scope wholly on one side has that period only, holding all.
   */
  aggs: ScopeAggs;
  golden: Set<string>;
  users: NewUser[];
  /** The teams' adoption rows (devex_delivery_adoption, kind team). */
  adoption: { ref: string; first_at: string; first_by: string }[];
  sources: DevexSourceStatus[];
  calendar: ReportingCalendar;
  options: { tiers: DeliveryTierThresholds; minGroupSize: number };
}

/** The day a team's "after" starts: its adoption, else after the range. */
export function cutOf(
  adoption: { first_at: string } | undefined,
  calendar: ReportingCalendar,
  query: { to: string },
): string {
  return adoption ? calendar.dayOf(adoption.first_at) : addDays(query.to, 1);
}

/**
 * How readAggs groups a scope's days for the impact report: before or after
 * the adoption of the team that owns it (a scope has one owner).
 */
export function impactPeriod(
  catalog: DeliveryCatalogSnapshot,
  adoption: { ref: string; first_at: string }[],
  calendar: ReportingCalendar,
  query: { to: string },
): (scope: string, day: string) => string {
  const adopted = new Map(adoption.map(a => [a.ref, a]));
  const cuts = new Map<string, string>();
  return (scope, day) => {
    let cut = cuts.get(scope);
    if (cut === undefined) {
      const owner = catalog.components.get(scope)?.owner;
      cut = cutOf(owner ? adopted.get(owner) : undefined, calendar, query);
      cuts.set(scope, cut);
    }
    return day < cut ? 'before' : 'after';
  };
}

export function impactReport(input: ImpactInput): ImpactReport {
  const { query, teams, catalog, aggs, golden, users, adoption, sources } =
    input;
  const { calendar } = input;
  const { tiers, minGroupSize: min } = input.options;
  const days = daysBetween(query.from, query.to) + 1;
  // Golden-path components vs the rest: each scope's periods added straight
  // into its side (no per-scope sum in between).
  const gp = { n: 0, agg: emptyAgg() };
  const rest = { n: 0, agg: emptyAgg() };
  for (const [scope, periods] of aggs) {
    if (scope === '') continue; // incidents of no component
    const target = golden.has(scope) ? gp : rest;
    target.n++;
    for (const agg of periods.values()) addAgg(target.agg, agg);
  }
  const gpTeams = new Set(
    [...golden].map(c => catalog.components.get(c)?.owner).filter(Boolean),
  );
  const gpUsers = users.filter(u => u.teams.some(t => gpTeams.has(t)));
  const otherUsers = users.filter(u => !u.teams.some(t => gpTeams.has(t)));
  const side = (
    n: number,
    agg: DeliveryAgg,
    d: number,
    list: NewUser[],
  ): ImpactSide => {
    const { folded: _f, ...onboarding } = onboardingFigures(list, min);
    return { n, delivery: deliveryFigures(agg, d, tiers), onboarding };
  };

  // Per team: before and after its first golden-path run or platform request.
  const adopted = new Map(adoption.map(a => [a.ref as string, a]));
  const ownedBy = new Map<string, string[]>();
  for (const [ref, c] of catalog.components) {
    if (!c.owner) continue;
    if (!ownedBy.has(c.owner)) ownedBy.set(c.owner, []);
    ownedBy.get(c.owner)!.push(ref);
  }
  interface Split {
    adoptedAt: string | null;
    adoptedBy: 'golden-path' | 'platform-resource' | null;
    before: { days: number; agg: DeliveryAgg; users: NewUser[] } | null;
    after: { days: number; agg: DeliveryAgg; users: NewUser[] } | null;
  }
  const splitOf = (team: string): Split => {
    const a = adopted.get(team);
    const cut = cutOf(a, calendar, query);
    const before =
      cut > query.from
        ? { days: 0, agg: emptyAgg(), users: [] as NewUser[] }
        : null;
    const after =
      cut <= query.to
        ? { days: 0, agg: emptyAgg(), users: [] as NewUser[] }
        : null;
    const beforeEnd = addDays(cut, -1) < query.to ? addDays(cut, -1) : query.to;
    const afterStart = cut > query.from ? cut : query.from;
    if (before) before.days = daysBetween(query.from, beforeEnd) + 1;
    if (after) after.days = daysBetween(afterStart, query.to) + 1;
    for (const scope of ownedBy.get(team) ?? []) {
      for (const [period, agg] of aggs.get(scope) ?? []) {
        // Range-wide counts ('') go to the side the range ends on.
        let target = period === 'before' ? before : after;
        if (period === '') target = after ?? before;
        if (target) addAgg(target.agg, agg);
      }
    }
    for (const u of users) {
      if (!u.teams.includes(team)) continue;
      const target = u.start < cut ? before : after;
      target?.users.push(u);
    }
    return {
      adoptedAt: a?.first_at ?? null,
      adoptedBy: (a?.first_by as Split['adoptedBy']) ?? null,
      before,
      after,
    };
  };
  // A team that owns no component has no deployment frequency to rate
  // (0 deployments would read "Low"): its delivery figures carry no tier.
  const owns = (refs: string[]) =>
    refs.some(ref => (ownedBy.get(ref)?.length ?? 0) > 0);
  const toSide = (s: Split['before'], rated: boolean) =>
    s ? side(s.days, s.agg, rated ? s.days : 0, s.users) : null;

  const candidates = new Map(
    [...teams].filter(([ref]) => !query.team || ref === query.team),
  );
  const { shown, folded } = foldTeams(candidates, min);
  const teamRows: ImpactReport['teams'] = shown.map(([ref, info]) => {
    const s = splitOf(ref);
    return {
      ...teamRow(ref, info),
      adoptedAt: s.adoptedAt,
      adoptedBy: s.adoptedBy,
      before: toSide(s.before, owns([ref])),
      after: toSide(s.after, owns([ref])),
    };
  });
  if (folded.length) {
    const merge = (parts: Split['before'][]) => {
      const present = parts.filter(Boolean) as NonNullable<Split['before']>[];
      if (!present.length) return null;
      return {
        days: present.reduce((t, p) => t + p.days, 0),
        agg: sumAggs(present.map(p => p.agg)),
        users: [...new Set(present.flatMap(p => p.users))],
      };
    };
    const splits = folded.map(splitOf);
    teamRows.push({
      ...(otherRow(folded) as DevexTeamRow),
      adoptedAt: null,
      adoptedBy: null,
      before: toSide(merge(splits.map(s => s.before)), owns(folded)),
      after: toSide(merge(splits.map(s => s.after)), owns(folded)),
    });
  }

  return {
    query,
    caveat: IMPACT_CAVEAT,
    goldenPath: {
      goldenPath: side(gp.n, gp.agg, days, gpUsers),
      other: side(rest.n, rest.agg, days, otherUsers),
    },
    teams: teamRows,
    sources,
  };
}
