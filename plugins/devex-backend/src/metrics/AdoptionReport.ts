import {
  AdoptionReport,
  DevexRangeQuery,
  DevexSeriesPoint,
} from '@trellis/backstage-plugin-devex-common';
import { addDays, eachDay, monthOf, weekOf } from '../rollups/days';
import { ActiveUsersReader } from './ActiveUsersReader';
import { nextMonth } from './rangeCover';
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
 * Every figure comes from the distinct-user rollups (users per day, week and
 * month, and first-seen days), so the cost does not grow with raw facts.
 */
export async function adoptionReport(
  reader: RollupReader,
  active: ActiveUsersReader,
  query: DevexRangeQuery,
  context: AdoptionContext,
): Promise<Omit<AdoptionReport, 'sources'>> {
  const scope = reader.scope(query);
  const firstWeek = weekOf(query.from);
  const lastWeek = weekOf(query.to);
  const [daily, weekly, monthly, activeUsers, newUsers, newPerWeek, byPlugin] =
    await Promise.all([
      active.perPeriod('day', scope, query),
      active.perPeriod('week', scope, query),
      active.perPeriod('month', scope, query),
      active.count(scope, query),
      active.newUsers(scope, query),
      active.newPerWeek(scope, query),
      active.byPlugin(scope, query),
    ]);

  const newVsReturning = weeksFrom(firstWeek, lastWeek).map(week => {
    const all = weekly.get(week) ?? 0;
    const fresh = newPerWeek.get(week) ?? 0;
    return { week, new: fresh, returning: all - fresh };
  });

  const cohorts = await cohortRetention(active, scope, query, context);

  const eligibleUsers = query.team
    ? context.teams.get(query.team)?.members ?? 0
    : context.eligibleUsers;

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
    const { shown, folded } = foldTeams(context.teams, context.minGroupSize);
    const [perTeam, other] = await Promise.all([
      active.countByTeam(
        shown.map(([ref]) => ref),
        query,
      ),
      folded.length > 0 ? active.count(folded, query) : Promise.resolve(0),
    ]);
    byTeam = shown.map(([ref, info]) => ({
      ...teamRow(ref, info),
      activeUsers: perTeam.get(ref) ?? 0,
      eligibleUsers: info.members,
    }));
    if (folded.length > 0) {
      byTeam.push({
        ...otherRow(folded),
        activeUsers: other,
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
    newVsReturning,
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
  active: ActiveUsersReader,
  scope: string[],
  query: DevexRangeQuery,
  context: AdoptionContext,
): Promise<AdoptionReport['cohorts']> {
  const firstWeek = weekOf(query.from);
  const lastWeek = weekOf(query.to);
  const { sizes, active: later } = await active.cohorts(
    scope,
    { from: firstWeek, to: lastWeek },
    query.to,
    addDays(lastWeek, 7 * COHORT_WEEKS),
  );
  return weeksFrom(firstWeek, lastWeek).map(week => {
    const size = sizes.get(week) ?? 0;
    const retention: (number | null)[] = [];
    for (let k = 1; k <= COHORT_WEEKS; k++) {
      const target = addDays(week, 7 * k);
      const over = addDays(target, 6) < context.today;
      if (!over || size === 0 || size < context.minGroupSize) {
        retention.push(null);
        continue;
      }
      retention.push((later.get(week)?.get(target) ?? 0) / size);
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
  for (let m = monthOf(from); m <= to; m = nextMonth(m)) months.push(m);
  return months;
}
