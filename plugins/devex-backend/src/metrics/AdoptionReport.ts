import {
  AdoptionReport,
  DevexRangeQuery,
  DevexSeriesPoint,
} from '@trellis/backstage-plugin-devex-common';
import { addDays, eachDay, monthOf, weekOf } from '../rollups/days';
import { foldTeams, otherRow, TeamInfo, teamRow } from './privacy';
import { RollupReader } from './RollupReader';

/** Weeks after the cohort's week whose retention is reported. */
export const COHORT_WEEKS = 8;

export interface AdoptionContext {
  teams: Map<string, TeamInfo>;
  /** Catalog users now (for the whole org). */
  eligibleUsers: number;
  minGroupSize: number;
  /** Today in the reporting time zone. */
  today: string;
}

/**
 * The adoption tab. A user is active on a day with at least one `activity`
 * fact that day; first seen is their first active day ever (in any team).
 */
export async function adoptionReport(
  reader: RollupReader,
  query: DevexRangeQuery,
  context: AdoptionContext,
): Promise<Omit<AdoptionReport, 'sources'>> {
  const scope = reader.scope(query);
  const firstWeek = weekOf(query.from);
  const lastWeek = weekOf(query.to);
  const [daily, monthly, activity, byPlugin] = await Promise.all([
    reader.activeUsersBy('day', scope, query),
    reader.activeUsersBy('month', scope, query),
    // Whole weeks, so that a cohort's week is complete even when the range
    // starts mid-week; a (week, actor) counts for the range when its last
    // active day that week is in it.
    reader.weeklyActivity(scope, { from: firstWeek, to: query.to }),
    reader.activityByPlugin(scope, query),
  ]);
  const inRange = activity.weeks.filter(w => w.last >= query.from);
  const weekly = new Map<string, number>();
  for (const { week } of inRange) weekly.set(week, (weekly.get(week) ?? 0) + 1);
  const activeActors = new Set(inRange.map(w => w.actor));
  const firstSeen = activity.firstSeen;
  let newUsers = 0;
  for (const actor of activeActors) {
    if ((firstSeen.get(actor) ?? query.from) >= query.from) newUsers++;
  }

  const newVsReturning = new Map<string, { new: number; returning: number }>();
  for (const week of weeksFrom(firstWeek, lastWeek))
    newVsReturning.set(week, { new: 0, returning: 0 });
  for (const { week, actor } of inRange) {
    const entry = newVsReturning.get(week);
    if (!entry) continue;
    const first = firstSeen.get(actor);
    if (first && weekOf(first) === week) entry.new++;
    else entry.returning++;
  }

  const cohorts = await cohortRetention(
    reader,
    scope,
    query,
    activity,
    context,
  );

  const eligibleUsers = query.team
    ? context.teams.get(query.team)?.members ?? 0
    : context.eligibleUsers;
  const activeUsers = activeActors.size;

  let byTeam: AdoptionReport['byTeam'];
  if (query.team) {
    byTeam = [
      {
        ...teamRow(query.team, context.teams.get(query.team) ?? { members: 0 }),
        activeUsers,
        eligibleUsers,
      },
    ];
  } else {
    const perTeam = await reader.activeUsersByTeam(query);
    const { shown, folded } = foldTeams(context.teams, context.minGroupSize);
    byTeam = shown.map(([ref, info]) => ({
      ...teamRow(ref, info),
      activeUsers: perTeam.get(ref) ?? 0,
      eligibleUsers: info.members,
    }));
    if (folded.length > 0) {
      byTeam.push({
        ...otherRow(folded),
        activeUsers: await reader.activeUsers(folded, query),
        eligibleUsers: folded.reduce(
          (n, t) => n + (context.teams.get(t)?.members ?? 0),
          0,
        ),
      });
    }
  }

  const points = (
    buckets: string[],
    values: Map<string, number>,
  ): DevexSeriesPoint[] =>
    buckets.map(date => ({ date, value: values.get(date) ?? 0 }));
  return {
    query,
    eligibleUsers,
    totals: {
      activeUsers,
      newUsers,
      returningUsers: activeUsers - newUsers,
      adoptionRate: eligibleUsers > 0 ? activeUsers / eligibleUsers : 0,
    },
    activeUsers: {
      daily: points(eachDay(query.from, query.to), daily),
      weekly: points(weeksFrom(firstWeek, lastWeek), weekly),
      monthly: points(monthsFrom(query.from, query.to), monthly),
    },
    newVsReturning: [...newVsReturning].map(([week, v]) => ({ week, ...v })),
    cohorts,
    byTeam,
    byPlugin,
  };
}

/**
 * Weekly cohorts: of the users first seen in week W (W from the range's first
 * week to its last), the share active in each of the next 8 weeks; `null` for
 * a week not over yet (it ends after today), and for every week of a cohort
 * smaller than the privacy minimum.
 */
async function cohortRetention(
  reader: RollupReader,
  scope: string[],
  query: DevexRangeQuery,
  activity: { firstSeen: Map<string, string> },
  context: AdoptionContext,
): Promise<AdoptionReport['cohorts']> {
  const firstWeek = weekOf(query.from);
  const lastWeek = weekOf(query.to);
  const members = new Map<string, Set<string>>();
  for (const [actor, first] of activity.firstSeen) {
    const week = weekOf(first);
    if (week < firstWeek || week > lastWeek) continue;
    const set = members.get(week) ?? new Set();
    set.add(actor);
    members.set(week, set);
  }
  const later = await reader.weeksActive(
    scope,
    { from: firstWeek, to: query.to },
    { from: addDays(firstWeek, 7), to: addDays(lastWeek, 7 * COHORT_WEEKS) },
  );
  const activeIn = new Map<string, Set<string>>();
  for (const { week, actor } of later) {
    const set = activeIn.get(week) ?? new Set();
    set.add(actor);
    activeIn.set(week, set);
  }
  return weeksFrom(firstWeek, lastWeek).map(week => {
    const cohort = members.get(week) ?? new Set<string>();
    const size = cohort.size;
    const retention: (number | null)[] = [];
    for (let k = 1; k <= COHORT_WEEKS; k++) {
      const target = addDays(week, 7 * k);
      const over = addDays(target, 6) < context.today;
      if (!over || size === 0 || size < context.minGroupSize) {
        retention.push(null);
        continue;
      }
      const active = activeIn.get(target);
      let retained = 0;
      for (const actor of cohort) if (active?.has(actor)) retained++;
      retention.push(retained / size);
    }
    return { week, size, retention };
  });
}

function weeksFrom(first: string, last: string): string[] {
  const weeks: string[] = [];
  for (let w = first; w <= last; w = addDays(w, 7)) weeks.push(w);
  return weeks;
}

function monthsFrom(from: string, to: string): string[] {
  const months: string[] = [];
  for (let m = monthOf(from); m <= to; ) {
    months.push(m);
    const [y, mo] = m.split('-').map(Number);
    m = new Date(Date.UTC(y, mo, 1)).toISOString().slice(0, 10);
  }
  return months;
}
