import { Knex } from 'knex';
import { hasBit, orInto, usersIn } from '../database/ActiveSets';
import { ALL } from '../rollups/contributions';
import { addDays, monthOf, weekOf } from '../rollups/days';
import { coverRange, DayRange, nextMonth } from './rangeCover';

/**
 * Distinct-user questions, answered from the user bitmaps of days, weeks and
 * months (devex_active_sets), the user counts (devex_active_counts) and the
 * first-seen days (devex_first_seen); never from raw facts, and never over
 * a row per user and period.
 */
export class ActiveUsersReader {
  constructor(private readonly db: Knex) {}

  /**
   * The user bitmaps of the range's pieces (whole months, whole weeks, edge
   * days) in the team scopes, for all plugins (`*`) or every plugin.
   */
  private async sets(
    scope: string[],
    range: DayRange,
    plugins: 'all' | 'each',
  ): Promise<{ team: string; plugin: string; users: Uint8Array }[]> {
    const cover = coverRange(range);
    const pieces: Knex.QueryBuilder[] = [];
    const piece = (period: string) => {
      const q = this.db('devex_active_sets')
        .where('period', period)
        .whereIn('team', scope)
        .select('team', 'plugin', 'users');
      if (plugins === 'all') q.where('plugin', ALL);
      return q;
    };
    if (cover.months.length > 0)
      pieces.push(piece('month').whereIn('start', cover.months));
    if (cover.weeks.length > 0)
      pieces.push(piece('week').whereIn('start', cover.weeks));
    for (const days of cover.days) {
      pieces.push(piece('day').whereBetween('start', [days.from, days.to]));
    }
    const rows: { team: string; plugin: string; users: Uint8Array }[] =
      pieces.length === 1
        ? await pieces[0]
        : await pieces[0].unionAll(pieces.slice(1));
    return plugins === 'all' ? rows : rows.filter(r => r.plugin !== ALL);
  }

  /** Distinct users of `rows` per `by` (the OR of their bitmaps). */
  private static union<K extends 'team' | 'plugin'>(
    rows: { team: string; plugin: string; users: Uint8Array }[],
    by: K | undefined,
  ): Map<string, number> {
    const bits = new Map<string, Uint8Array>();
    for (const row of rows) {
      const key = by ? row[by] : '';
      bits.set(
        key,
        orInto(bits.get(key) ?? new Uint8Array(0), new Uint8Array(row.users)),
      );
    }
    return new Map([...bits].map(([key, b]) => [key, usersIn(b)]));
  }

  /** Distinct users active in the range in any of the scopes. */
  async count(scope: string[], range: DayRange): Promise<number> {
    const rows = await this.sets(scope, range, 'all');
    return ActiveUsersReader.union(rows, undefined).get('') ?? 0;
  }

  /** Distinct users active in the range per team. */
  async countByTeam(
    teams: string[],
    range: DayRange,
  ): Promise<Map<string, number>> {
    if (teams.length === 0) return new Map();
    return ActiveUsersReader.union(
      await this.sets(teams, range, 'all'),
      'team',
    );
  }

  /** Distinct users and events per plugin in the range. */
  async byPlugin(
    scope: string[],
    range: DayRange,
  ): Promise<{ plugin: string; activeUsers: number; events: number }[]> {
    const [sets, events] = await Promise.all([
      this.sets(scope, range, 'each'),
      this.db('devex_active_counts')
        .where('period', 'day')
        .whereIn('team', scope)
        .whereNot('plugin', ALL)
        .whereBetween('start', [range.from, range.to])
        .groupBy('plugin')
        .select('plugin')
        .sum({ n: 'events' }) as Promise<{ plugin: string; n: unknown }[]>,
    ]);
    const users = ActiveUsersReader.union(sets, 'plugin');
    const eventsOf = new Map(events.map(r => [r.plugin, Number(r.n)]));
    return [...users]
      .filter(([, n]) => n > 0)
      .map(([plugin, n]) => ({
        plugin,
        activeUsers: n,
        events: eventsOf.get(plugin) ?? 0,
      }))
      .sort(
        (a, b) =>
          b.activeUsers - a.activeUsers ||
          b.events - a.events ||
          a.plugin.localeCompare(b.plugin),
      );
  }

  /**
   * Distinct users per day, ISO week or month of the range (keyed by the
   * period's first day). A period cut by the range's edge counts the users
   * of its days inside the range only.
   */
  async perPeriod(
    period: 'day' | 'week' | 'month',
    scope: string[],
    range: DayRange,
  ): Promise<Map<string, number>> {
    const rows: { start: string; users: unknown }[] = await this.db(
      'devex_active_counts',
    )
      .where({ period, plugin: ALL })
      .whereIn('team', scope)
      .whereBetween('start', [
        {
          day: range.from,
          week: weekOf(range.from),
          month: monthOf(range.from),
        }[period],
        range.to,
      ])
      .groupBy('start')
      .select('start')
      .sum({ users: 'users' });
    const result = new Map(rows.map(r => [r.start, Number(r.users)]));
    if (period === 'day') return result;
    for (const [start, end] of this.edges(period, range)) {
      result.set(
        start,
        await this.count(scope, {
          from: start < range.from ? range.from : start,
          to: end > range.to ? range.to : end,
        }),
      );
    }
    return result;
  }

  /** The first and last period when the range cuts them: [start, last day]. */
  private edges(period: 'week' | 'month', range: DayRange): [string, string][] {
    const startOf = period === 'week' ? weekOf : monthOf;
    const endOf = (start: string) =>
      period === 'week' ? addDays(start, 6) : addDays(nextMonth(start), -1);
    const result: [string, string][] = [];
    const first = startOf(range.from);
    const last = startOf(range.to);
    if (first < range.from || endOf(first) > range.to)
      result.push([first, endOf(first)]);
    if (last !== first && endOf(last) > range.to)
      result.push([last, endOf(last)]);
    return result;
  }

  /** Ordinals of the users first seen from `from` to `to`, by week. */
  private async firstSeenIn(
    from: string,
    to: string,
  ): Promise<{ week: string; ordinal: number }[]> {
    const rows: { week: string; ordinal: unknown }[] = await this.db(
      'devex_first_seen as f',
    )
      .join('devex_actor_ordinals as o', 'o.actor', 'f.actor')
      .whereBetween('f.day', [from, to])
      .select({ week: 'f.week', ordinal: 'o.ordinal' });
    return rows.map(r => ({ week: r.week, ordinal: Number(r.ordinal) }));
  }

  /** The OR of the scope's bitmaps over the range (all plugins). */
  private async scopeBits(scope: string[], range: DayRange) {
    return (await this.sets(scope, range, 'all')).reduce(
      (bits, r) => orInto(bits, new Uint8Array(r.users)),
      new Uint8Array(0),
    );
  }

  /** Users of the scope active in the range whose first active day is in it. */
  async newUsers(scope: string[], range: DayRange): Promise<number> {
    if (scope.includes(ALL)) {
      const [row] = await this.db('devex_first_seen')
        .whereBetween('day', [range.from, range.to])
        .count({ n: '*' });
      return Number(row?.n ?? 0);
    }
    const [members, bits] = await Promise.all([
      this.firstSeenIn(range.from, range.to),
      this.scopeBits(scope, range),
    ]);
    return members.filter(m => hasBit(bits, m.ordinal)).length;
  }

  /**
   * Per ISO week of the range: users of the scope active that week (days in
   * the range) whose first active day is in that week.
   */
  async newPerWeek(
    scope: string[],
    range: DayRange,
  ): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    const cut = new Map(this.edges('week', range));
    const whole: string[] = [];
    for (let w = weekOf(range.from); w <= range.to; w = addDays(w, 7)) {
      if (!cut.has(w)) whole.push(w);
    }
    const [members, weekSets, ...cutBits] = await Promise.all([
      this.firstSeenIn(weekOf(range.from), range.to),
      whole.length === 0
        ? Promise.resolve([])
        : (this.db('devex_active_sets')
            .where({ period: 'week', plugin: ALL })
            .whereIn('team', scope)
            .whereIn('start', whole)
            .select('start', 'users') as Promise<
            { start: string; users: Uint8Array }[]
          >),
      ...[...cut].map(([week, end]) =>
        this.scopeBits(scope, {
          from: week < range.from ? range.from : week,
          to: end > range.to ? range.to : end,
        }),
      ),
    ]);
    const bitsOf = new Map<string, Uint8Array>();
    for (const row of weekSets) {
      bitsOf.set(
        row.start,
        orInto(
          bitsOf.get(row.start) ?? new Uint8Array(0),
          new Uint8Array(row.users),
        ),
      );
    }
    [...cut.keys()].forEach((week, i) => bitsOf.set(week, cutBits[i]));
    for (const m of members) {
      const bits = bitsOf.get(m.week);
      if (bits && hasBit(bits, m.ordinal))
        result.set(m.week, (result.get(m.week) ?? 0) + 1);
    }
    return result;
  }

  /**
   * Weekly cohorts of the weeks from `weeks.from` to `weeks.to`: users first
   * seen that week (on or before `lastDay`, and active in the scope since the
   * first week), and how many of them were active anywhere in each later
   * week up to `until`. From the first-seen days and the weekly bitmaps.
   */
  async cohorts(
    scope: string[],
    weeks: DayRange,
    lastDay: string,
    until: string,
  ): Promise<{
    sizes: Map<string, number>;
    active: Map<string, Map<string, number>>;
  }> {
    const [members, laterWeeks, inScope] = await Promise.all([
      this.db('devex_first_seen as f')
        .join('devex_actor_ordinals as o', 'o.actor', 'f.actor')
        .whereBetween('f.week', [weeks.from, weeks.to])
        .where('f.day', '<=', lastDay)
        .select({ week: 'f.week', ordinal: 'o.ordinal' }) as Promise<
        { week: string; ordinal: unknown }[]
      >,
      this.db('devex_active_sets')
        .where({ period: 'week', team: ALL, plugin: ALL })
        .where('start', '>', weeks.from)
        .where('start', '<=', until)
        .select('start', 'users') as Promise<
        { start: string; users: Uint8Array }[]
      >,
      scope.includes(ALL)
        ? Promise.resolve(undefined)
        : this.scopeBits(scope, { from: weeks.from, to: lastDay }),
    ]);
    const cohort = new Map<string, number[]>();
    for (const m of members) {
      const ordinal = Number(m.ordinal);
      if (inScope && !hasBit(inScope, ordinal)) continue;
      cohort.set(m.week, [...(cohort.get(m.week) ?? []), ordinal]);
    }
    const later = laterWeeks.map(w => ({
      start: w.start,
      users: new Uint8Array(w.users),
    }));
    const active = new Map<string, Map<string, number>>();
    for (const [week, ordinals] of cohort) {
      const byWeek = new Map<string, number>();
      for (const w of later) {
        if (w.start <= week) continue;
        const n = ordinals.filter(o => hasBit(w.users, o)).length;
        if (n > 0) byWeek.set(w.start, n);
      }
      if (byWeek.size > 0) active.set(week, byWeek);
    }
    return {
      sizes: new Map([...cohort].map(([week, o]) => [week, o.length])),
      active,
    };
  }
}
