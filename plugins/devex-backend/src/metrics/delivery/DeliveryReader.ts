import { Knex } from 'knex';
import { addToHistogram } from '../../rollups/histogram';
import { DeliveryAgg, emptyAgg, ScopeAggs } from './aggregates';
import { addDays, weekOf } from '../../rollups/days';
import { CHANGES, DAYS, INCIDENTS, WEEKS } from './DeliveryIndex';
import { addEncoded } from './indexDays';

const n = (v: unknown) => Number(v ?? 0);

export interface AggQuery {
  from: string;
  to: string;
  /** Only these scopes (component refs); all when undefined. */
  scopes?: string[];
  /**
   * Group by ISO week, by day, or by what a function makes of a scope's day
   * (the impact report: before or after its team adopted the platform).
   */
  period: 'week' | 'day' | ((scope: string, day: string) => string);
}

/**
 * The per-day rollup (and the incidents) summed per scope and period over a
 * range: one row per scope and day read, no deployment or change rows.
 */
export async function readAggs(db: Knex, q: AggQuery): Promise<ScopeAggs> {
  const out: ScopeAggs = new Map();
  const at = (scope: string | null, period: string) => {
    const key = scope ?? '';
    if (!out.has(key)) out.set(key, new Map());
    const m = out.get(key)!;
    if (!m.has(period)) m.set(period, emptyAgg());
    return m.get(period)!;
  };
  if (q.scopes && q.scopes.length === 0) return out;
  const { period } = q;
  let keyOf: (scope: string, day: string, week: string) => string;
  if (typeof period === 'function') keyOf = (scope, day) => period(scope, day);
  else if (period === 'week') keyOf = (_scope, _day, week) => week;
  else keyOf = (_scope, day) => day;
  const [days, notDeployed, recovery, open] = await Promise.all([
    // By day: days only; otherwise whole weeks as weeks where they fall on
    // one side (a week holding a team's adoption day is read as days).
    period === 'day'
      ? readDayRows(db, q.from, q.to, q.scopes)
      : readRollup(
          db,
          q,
          typeof period === 'function' ? wholeWeek(period) : undefined,
        ),
    readNotDeployed(db, q),
    scopedIn(
      db(INCIDENTS)
        .whereBetween('resolved_day', [q.from, q.to])
        .whereNotNull('recovery_bucket'),
      'component',
      q.scopes,
    )
      .groupBy('component', 'resolved_day', 'resolved_week', 'recovery_bucket')
      .select({
        scope: 'component',
        day: 'resolved_day',
        week: 'resolved_week',
        bucket: 'recovery_bucket',
        count: db.raw('COUNT(*)'),
      }),
    readOpen(db, q),
  ]);
  for (const r of days) {
    // A whole week's row: its Monday stands for its days (same side).
    const a = at(r.scope, keyOf(r.scope, r.day ?? r.week, r.week));
    addCounts(a, r);
    addEncoded(r.lead, a.lead);
    at(r.scope, '').withoutFirstCommit += n(r.without_first);
  }
  for (const r of notDeployed) at(r.scope, '').notDeployed += n(r.count);
  for (const r of recovery)
    addToHistogram(
      at(r.scope, keyOf(r.scope ?? '', r.day, r.week)).recovery,
      n(r.bucket),
      n(r.count),
    );
  for (const r of open) at(r.scope, '').open += n(r.count);
  return out;
}

/** `scope IN (...)` when the query names scopes. */
function scopedIn(
  b: Knex.QueryBuilder,
  column: string,
  scopes: string[] | undefined,
) {
  return scopes ? b.whereIn(column, scopes) : b;
}

const ROLLUP_COLUMNS = [
  'scope',
  'week',
  'deployments',
  'failed',
  'by_incident',
  'by_rollback',
  'rework',
  'lead',
  'without_first',
];

/** The day rows of [from, to]. */
function readDayRows(
  db: Knex,
  from: string,
  to: string,
  scopes: string[] | undefined,
): Promise<Record<string, any>[]> {
  return scopedIn(
    db(DAYS).whereBetween('day', [from, to]),
    'scope',
    scopes,
  ).select('day', ...ROLLUP_COLUMNS);
}

/** Whether a scope's week falls on one side of `period` (its Sunday cached). */
function wholeWeek(period: (scope: string, day: string) => string) {
  const sundays = new Map<string, string>();
  return (scope: string, week: string) => {
    let sunday = sundays.get(week);
    if (sunday === undefined) {
      sunday = addDays(week, 6);
      sundays.set(week, sunday);
    }
    return period(scope, week) === period(scope, sunday);
  };
}

/** The Mondays of the first and last ISO weeks wholly inside [from, to]. */
function wholeWeeks(from: string, to: string) {
  let first = weekOf(from);
  if (first < from) first = addDays(first, 7);
  let last = weekOf(to);
  if (addDays(last, 6) > to) last = addDays(last, -7);
  return first <= last ? { first, last } : undefined;
}

/**
 * The range's rollup rows: its whole weeks from the weekly table (no `day`),
 * the days before and after them from the daily one. A week that `whole`
 * refuses (a scope's week that must be split) is read as its days.
 */
async function readRollup(
  db: Knex,
  q: Omit<AggQuery, 'period'>,
  whole?: (scope: string, week: string) => boolean,
): Promise<Record<string, any>[]> {
  const weeks = wholeWeeks(q.from, q.to);
  if (!weeks) return readDayRows(db, q.from, q.to, q.scopes);
  const parts: Promise<Record<string, any>[]>[] = [
    scopedIn(
      db(WEEKS).whereBetween('week', [weeks.first, weeks.last]),
      'scope',
      q.scopes,
    ).select(...ROLLUP_COLUMNS),
  ];
  if (q.from < weeks.first)
    parts.push(readDayRows(db, q.from, addDays(weeks.first, -1), q.scopes));
  const lastDay = addDays(weeks.last, 6);
  if (lastDay < q.to)
    parts.push(readDayRows(db, addDays(lastDay, 1), q.to, q.scopes));
  const [weekRows, ...dayRows] = await Promise.all(parts);
  const rows = dayRows.flat();
  if (!whole) return [...weekRows, ...rows];
  // Weeks to split: read their days instead, a week at a time.
  const split = new Map<string, string[]>();
  for (const r of weekRows) {
    if (whole(r.scope, r.week)) {
      rows.push(r);
    } else {
      if (!split.has(r.week)) split.set(r.week, []);
      split.get(r.week)!.push(r.scope);
    }
  }
  for (const [week, scopes] of split) {
    for (let i = 0; i < scopes.length; i += 500) {
      rows.push(
        ...(await db(DAYS)
          .where('week', week)
          .whereIn('scope', scopes.slice(i, i + 500))
          .select('day', ...ROLLUP_COLUMNS)),
      );
    }
  }
  return rows;
}

/** A rollup row's counts added to an aggregate. */
function addCounts(a: DeliveryAgg, r: Record<string, any>) {
  a.deployments += n(r.deployments);
  a.failed += n(r.failed);
  a.byIncident += n(r.by_incident);
  a.byRollback += n(r.by_rollback);
  a.rework += n(r.rework);
}

/**
 * Changes merged in the range and not deployed by its end, per scope: not
 * deployed at all, or deployed after the range (two index ranges).
 */
async function readNotDeployed(
  db: Knex,
  q: Omit<AggQuery, 'period'>,
): Promise<{ scope: string; count: unknown }[]> {
  const count = (b: Knex.QueryBuilder) =>
    scopedIn(b.whereBetween('merge_day', [q.from, q.to]), 'scope', q.scopes)
      .groupBy('scope')
      .select({ scope: 'scope', count: db.raw('COUNT(*)') });
  const [never, later] = await Promise.all([
    count(db(CHANGES).whereNull('deploy_day')),
    count(db(CHANGES).where('deploy_day', '>', q.to)),
  ]);
  return [...never, ...later];
}

/** Incidents opened in the range and not resolved by its end, per component. */
function readOpen(db: Knex, q: Omit<AggQuery, 'period'>) {
  return scopedIn(
    db(INCIDENTS)
      .whereBetween('open_day', [q.from, q.to])
      .andWhere(b =>
        b.whereNull('resolved_day').orWhere('resolved_day', '>', q.to),
      ),
    'component',
    q.scopes,
  )
    .groupBy('component')
    .select({ scope: 'component', count: db.raw('COUNT(*)') });
}

export interface DeliveryAggs {
  /** Per scope, over the whole range; lead-time histograms coarse (±5 %). */
  perScope: Map<string, DeliveryAgg>;
  /** Per ISO week, all scopes; histograms fine (1 %). */
  perWeek: Map<string, DeliveryAgg>;
  /** The whole range, all scopes; histograms fine. */
  total: DeliveryAgg;
}

/**
 * The delivery report's reads: the range's per-day rollup rows, summed per
 * scope, per ISO week and in all (lead-time histograms fine everywhere),
 * with the incidents and the changes not deployed.
 */
export async function readDeliveryAggs(
  db: Knex,
  q: Omit<AggQuery, 'period'>,
): Promise<DeliveryAggs> {
  const result: DeliveryAggs = {
    perScope: new Map(),
    perWeek: new Map(),
    total: emptyAgg(),
  };
  if (q.scopes && q.scopes.length === 0) return result;
  const get = (map: Map<string, DeliveryAgg>, key: string | null) => {
    const k = key ?? '';
    let a = map.get(k);
    if (!a) map.set(k, (a = emptyAgg()));
    return a;
  };
  const [days, notDeployed, recovery, open] = await Promise.all([
    readRollup(db, q),
    readNotDeployed(db, q),
    scopedIn(
      db(INCIDENTS)
        .whereBetween('resolved_day', [q.from, q.to])
        .whereNotNull('recovery_bucket'),
      'component',
      q.scopes,
    )
      .groupBy('component', 'resolved_week', 'recovery_bucket')
      .select({
        scope: 'component',
        period: 'resolved_week',
        bucket: 'recovery_bucket',
        count: db.raw('COUNT(*)'),
      }),
    readOpen(db, q),
  ]);

  const { perScope, perWeek, total } = result;
  for (const r of days) {
    // Per week fine (1 %); per component coarse (±5 %): a range's changes
    // of one component share few fine buckets.
    const scope = get(perScope, r.scope);
    const week = get(perWeek, r.week);
    addCounts(scope, r);
    addCounts(week, r);
    addEncoded(r.lead, week.lead, scope.lead);
    const without = n(r.without_first);
    scope.withoutFirstCommit += without;
    total.withoutFirstCommit += without;
  }
  // The total from the weeks: each bucket merged once per week, not per row.
  for (const w of perWeek.values()) {
    total.deployments += w.deployments;
    total.failed += w.failed;
    total.byIncident += w.byIncident;
    total.byRollback += w.byRollback;
    total.rework += w.rework;
    for (const [b, c] of w.lead) addToHistogram(total.lead, b, c);
  }
  for (const r of notDeployed) {
    get(perScope, r.scope).notDeployed += n(r.count);
    total.notDeployed += n(r.count);
  }
  for (const r of recovery) {
    for (const a of [get(perScope, r.scope), get(perWeek, r.period), total])
      addToHistogram(a.recovery, n(r.bucket), n(r.count));
  }
  for (const r of open) {
    get(perScope, r.scope).open += n(r.count);
    total.open += n(r.count);
  }
  return result;
}
