import { Knex } from 'knex';
import { isSqlite } from '../../database/migrate';
import { DeliveryAgg, emptyAgg, ScopeAggs } from './aggregates';
import { addDays, weekOf } from '../../rollups/days';
import { CHANGES, DAYS, INCIDENTS, WEEKS } from './DeliveryIndex';
import { addEncoded } from './indexDays';

const n = (v: unknown) => Number(v ?? 0);

export interface RangeQuery {
  from: string;
  to: string;
  /** Only these scopes (component refs); all when undefined. */
  scopes?: string[];
}

export interface AggQuery extends RangeQuery {
  /**
   * How a scope's days are grouped (the impact report: before or after its
   * team adopted the platform).
   */
  period: (scope: string, day: string) => string;
}

/**
 * What the delivery and impact reports of a range read: its rollup rows
 * (whole ISO weeks from the weekly table, with no `day`, and the days at its
 * edges), the changes not deployed by its end, the incidents resolved in it
 * (per scope, day and recovery bucket) and those still open at its end.
 * Read once and shared when both reports ask for the same range at once
 * (the Delivery tab does); never changed by its readers.
 */
export interface RangeRows {
  rollup: Record<string, any>[];
  notDeployed: { scope: string; count: unknown }[];
  recovery: {
    scope: string | null;
    day: string;
    week: string;
    bucket: unknown;
    count: unknown;
  }[];
  open: { scope: string; count: unknown }[];
}

export async function readRange(db: Knex, q: RangeQuery): Promise<RangeRows> {
  if (q.scopes && q.scopes.length === 0)
    return { rollup: [], notDeployed: [], recovery: [], open: [] };
  const [rollup, notDeployed, recovery, open] = await Promise.all([
    readRollup(db, q),
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
  return { rollup, notDeployed, recovery, open };
}

/**
 * The range's figures summed per scope and per what `q.period` makes of
 * each scope's days, from its rows (read here unless given): a whole week
 * that falls on one side of the period counts as one row; one that does not
 * (a team's adoption week) is read again as its days.
 */
export async function readAggs(
  db: Knex,
  q: AggQuery,
  range?: Promise<RangeRows>,
): Promise<ScopeAggs> {
  const out: ScopeAggs = new Map();
  const at = (scope: string | null, period: string) => {
    const key = scope ?? '';
    let m = out.get(key);
    if (!m) out.set(key, (m = new Map()));
    let a = m.get(period);
    if (!a) m.set(period, (a = emptyAgg(true)));
    return a;
  };
  if (q.scopes && q.scopes.length === 0) return out;
  const { period } = q;
  const rows = await (range ?? readRange(db, q));
  const rollup = await splitWeeks(db, rows.rollup, wholeWeek(period));
  for (const r of rollup) {
    // A whole week's row: its Monday stands for its days (same side).
    const a = at(r.scope, period(r.scope, r.day ?? r.week));
    addCounts(a, r);
    // Per team and group, as per component: coarse (±5 %).
    addEncoded(r.lead, undefined, a.lead);
    at(r.scope, '').withoutFirstCommit += n(r.without_first);
  }
  for (const r of rows.notDeployed) at(r.scope, '').notDeployed += n(r.count);
  for (const r of rows.recovery)
    at(r.scope, period(r.scope ?? '', r.day)).recovery.add(
      n(r.bucket),
      n(r.count),
    );
  for (const r of rows.open) at(r.scope, '').open += n(r.count);
  return out;
}

/**
 * The impact report's aggregates (readAggs' shape) from the delivery
 * report's of the same range: a scope whose range lies on one side of
 * `q.period` gets that one period, holding its range aggregate (the
 * range-wide counts included); only the scopes it cuts (their team adopted
 * inside the range) are summed again per period, from their rows. `period`
 * must change at most once over a scope's range (before, then after).
 */
export async function readImpactAggs(
  db: Knex,
  q: AggQuery,
  range: Promise<RangeRows>,
  delivery: Promise<DeliveryAggs>,
): Promise<ScopeAggs> {
  const { period } = q;
  const [{ perScope }, rows] = await Promise.all([delivery, range]);
  const out: ScopeAggs = new Map();
  const cut = new Set<string>();
  for (const [scope, agg] of perScope) {
    const first = period(scope, q.from);
    if (first === period(scope, q.to)) out.set(scope, new Map([[first, agg]]));
    else cut.add(scope);
  }
  if (!cut.size) return out;
  const only = <T extends { scope: string | null }>(list: T[]) =>
    list.filter(r => cut.has(r.scope ?? ''));
  const cutRows: RangeRows = {
    rollup: rows.rollup.filter(r => cut.has(r.scope)),
    notDeployed: only(rows.notDeployed),
    recovery: only(rows.recovery),
    open: only(rows.open),
  };
  const split = await readAggs(
    db,
    { ...q, scopes: [...cut] },
    Promise.resolve(cutRows),
  );
  for (const [scope, periods] of split) out.set(scope, periods);
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
 * the days before and after them from the daily one.
 */
async function readRollup(
  db: Knex,
  q: RangeQuery,
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
  return (await Promise.all(parts)).flat();
}

/**
 * The rollup rows with each week row that `whole` refuses (a scope's week
 * that must be split) replaced by its day rows, a read per week.
 */
async function splitWeeks(
  db: Knex,
  rows: Record<string, any>[],
  whole: (scope: string, week: string) => boolean,
): Promise<Record<string, any>[]> {
  const kept: Record<string, any>[] = [];
  const split = new Map<string, string[]>();
  for (const r of rows) {
    if (r.day || whole(r.scope, r.week)) {
      kept.push(r);
    } else {
      let scopes = split.get(r.week);
      if (!scopes) split.set(r.week, (scopes = []));
      scopes.push(r.scope);
    }
  }
  const reads: Promise<Record<string, any>[]>[] = [];
  for (const [week, scopes] of split) {
    for (let i = 0; i < scopes.length; i += 500) {
      reads.push(
        db(DAYS)
          .where('week', week)
          .whereIn('scope', scopes.slice(i, i + 500))
          .select('day', ...ROLLUP_COLUMNS),
      );
    }
  }
  // At once: on PostgreSQL each is a round trip of its own.
  for (const week of await Promise.all(reads)) kept.push(...week);
  return kept;
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
  q: RangeQuery,
): Promise<{ scope: string; count: unknown }[]> {
  const count = (b: Knex.QueryBuilder) =>
    scopedIn(b, 'scope', q.scopes)
      .groupBy('scope')
      .select({ scope: 'scope', count: db.raw('COUNT(*)') });
  const merged: [string, string] = [q.from, q.to];
  const [never, later] = await Promise.all([
    count(
      db(CHANGES).whereNull('deploy_day').whereBetween('merge_day', merged),
    ),
    // Deployed after the range: few rows, found by deploy_day. SQLite's
    // planner took the merge_day range instead (every change of the range,
    // 28 ms at 1 M); a unary + keeps it off that index.
    count(
      db(CHANGES)
        .where('deploy_day', '>', q.to)
        .whereRaw(
          isSqlite(db)
            ? '+merge_day BETWEEN ? AND ?'
            : 'merge_day BETWEEN ? AND ?',
          merged,
        ),
    ),
  ]);
  return [...never, ...later];
}

/** Incidents opened in the range and not resolved by its end, per component. */
function readOpen(db: Knex, q: RangeQuery) {
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
  q: RangeQuery,
  range?: Promise<RangeRows>,
): Promise<DeliveryAggs> {
  const result: DeliveryAggs = {
    perScope: new Map(),
    perWeek: new Map(),
    total: emptyAgg(),
  };
  if (q.scopes && q.scopes.length === 0) return result;
  const get = (
    map: Map<string, DeliveryAgg>,
    key: string | null,
    coarseLead: boolean,
  ) => {
    const k = key ?? '';
    let a = map.get(k);
    if (!a) map.set(k, (a = emptyAgg(coarseLead)));
    return a;
  };
  const {
    rollup: days,
    notDeployed,
    recovery,
    open,
  } = await (range ?? readRange(db, q));

  const { perScope, perWeek, total } = result;
  for (const r of days) {
    // Per week fine (1 %); per component coarse (±5 %): a range's changes
    // of one component share few fine buckets.
    const scope = get(perScope, r.scope, true);
    const week = get(perWeek, r.week, false);
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
    total.lead.addAll(w.lead);
  }
  for (const r of notDeployed) {
    get(perScope, r.scope, true).notDeployed += n(r.count);
    total.notDeployed += n(r.count);
  }
  for (const r of recovery) {
    const bucket = n(r.bucket);
    const count = n(r.count);
    get(perScope, r.scope, true).recovery.add(bucket, count);
    get(perWeek, r.week, false).recovery.add(bucket, count);
    total.recovery.add(bucket, count);
  }
  for (const r of open) {
    get(perScope, r.scope, true).open += n(r.count);
    total.open += n(r.count);
  }
  return result;
}
