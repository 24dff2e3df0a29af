/*
 * The per-day rollup of the delivery index (devex_delivery_days): per scope
 * and day, the successful production deployments with their failures and
 * rework, and the lead-time histogram of the changes deployed that day. The
 * reports read these rows instead of every deployment and change of a range.
 *
 * The index marks each (scope, day) whose deployments or deployed changes a
 * chunk of facts touched (before and after the change), and refreshes those
 * rows from the index tables at the end of the chunk's transaction.
 */
import { Knex } from 'knex';
import { weekOf } from '../../rollups/days';
import { BucketCounts } from '../../rollups/bucketCounts';
import { CHANGES, DEPLOYMENTS } from './indexRows';

export const DAYS = 'devex_delivery_days';
/** The same per ISO week (the days' sums): a long range reads whole weeks. */
export const WEEKS = 'devex_delivery_weeks';

/** scope → days whose rollup row must be computed again. */
export type DirtyDays = Map<string, Set<string>>;

export function markDay(dirty: DirtyDays, scope: unknown, day: unknown): void {
  if (typeof scope !== 'string' || typeof day !== 'string' || !day) return;
  let days = dirty.get(scope);
  if (!days) dirty.set(scope, (days = new Set()));
  days.add(day);
}

/**
 * Adds a stored histogram (BucketCounts.encode: 'bucket[:count],+delta[:count],...',
 * and the older 'bucket:count,...') into `fine` and into `coarse` (parsed
 * once, by hand: the report of all components reads tens of thousands of
 * these).
 */
export function addEncoded(
  text: unknown,
  fine: BucketCounts | undefined,
  coarse?: BucketCounts,
): void {
  if (typeof text !== 'string' || text === '') return;
  let previous = 0;
  let bucket = 0;
  let value = 0;
  let negative = false;
  let relative = false;
  let counted = false;
  const resolve = () => {
    const v = negative ? -value : value;
    return relative ? previous + v : v;
  };
  const flush = () => {
    let count = 1;
    if (counted) count = value;
    else bucket = resolve();
    fine?.add(bucket, count);
    coarse?.add(bucket, count);
    previous = bucket;
    value = 0;
    negative = false;
    relative = false;
    counted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 58 /* : */) {
      bucket = resolve();
      value = 0;
      counted = true;
    } else if (c === 44 /* , */) {
      flush();
    } else if (c === 45 /* - */) {
      negative = true;
    } else if (c === 43 /* + */) {
      relative = true;
    } else {
      value = value * 10 + (c - 48);
    }
  }
  flush();
}

interface DayRow {
  scope: string;
  day: string;
  week: string;
  deployments: number;
  failed: number;
  by_incident: number;
  by_rollback: number;
  rework: number;
  lead: BucketCounts;
  without_first: number;
}

const n = (v: unknown) => Number(v ?? 0);
/** Days per statement (SQLite binds at most 999 parameters by default). */
const DAY_CHUNK = 300;
const WRITE_BATCH = 200;

/** The rollup rows of one scope's days (all its days when `days` is undefined). */
async function computeScope(
  db: Knex | Knex.Transaction,
  scope: string,
  days: string[] | undefined,
): Promise<Map<string, DayRow>> {
  const out = new Map<string, DayRow>();
  const at = (day: string) => {
    let row = out.get(day);
    if (!row) {
      row = {
        scope,
        day,
        week: weekOf(day),
        deployments: 0,
        failed: 0,
        by_incident: 0,
        by_rollback: 0,
        rework: 0,
        lead: new BucketCounts(),
        without_first: 0,
      };
      out.set(day, row);
    }
    return row;
  };
  const yes = (column: string) =>
    db.raw(`SUM(CASE WHEN ${column} THEN 1 ELSE 0 END)`);
  const notNull = (column: string) =>
    db.raw(`SUM(CASE WHEN ${column} IS NOT NULL THEN 1 ELSE 0 END)`);
  const onDays = (b: Knex.QueryBuilder, column: string, chunk?: string[]) =>
    chunk ? b.whereIn(column, chunk) : b.whereNotNull(column);
  const chunks: (string[] | undefined)[] = [];
  if (days) {
    for (let i = 0; i < days.length; i += DAY_CHUNK)
      chunks.push(days.slice(i, i + DAY_CHUNK));
  } else {
    chunks.push(undefined);
  }
  for (const chunk of chunks) {
    const [deployments, leads] = await Promise.all([
      onDays(
        db(DEPLOYMENTS).where({ scope, production: true, status: 'success' }),
        'day',
        chunk,
      )
        .groupBy('day')
        .select({
          day: 'day',
          deployments: db.raw('COUNT(*)'),
          failed: yes('failed'),
          by_incident: notNull('failed_incident'),
          by_rollback: notNull('failed_rollback'),
          rework: yes('rework'),
        }),
      onDays(db(CHANGES).where({ scope }), 'deploy_day', chunk)
        .groupBy('deploy_day', 'lead_bucket')
        .select({
          day: 'deploy_day',
          bucket: 'lead_bucket',
          count: db.raw('COUNT(*)'),
          without_first: db.raw(
            'SUM(CASE WHEN first_commit_at IS NULL THEN 1 ELSE 0 END)',
          ),
        }),
    ]);
    for (const r of deployments) {
      const row = at(r.day);
      row.deployments = n(r.deployments);
      row.failed = n(r.failed);
      row.by_incident = n(r.by_incident);
      row.by_rollback = n(r.by_rollback);
      row.rework = n(r.rework);
    }
    for (const r of leads) {
      const row = at(r.day);
      row.without_first += n(r.without_first);
      if (r.bucket !== null && r.bucket !== undefined)
        row.lead.add(n(r.bucket), n(r.count));
    }
  }
  return out;
}

const toRecord = (r: DayRow) => ({
  scope: r.scope,
  day: r.day,
  week: r.week,
  deployments: r.deployments,
  failed: r.failed,
  by_incident: r.by_incident,
  by_rollback: r.by_rollback,
  rework: r.rework,
  lead: r.lead.encode(),
  without_first: r.without_first,
});

/** A row with nothing in it is not kept. */
const empty = (r: DayRow) =>
  r.deployments === 0 && r.lead.total === 0 && r.without_first === 0;

async function insertRows(
  db: Knex | Knex.Transaction,
  table: string,
  rows: DayRow[],
  record: (r: DayRow) => Record<string, unknown>,
) {
  const records = rows.filter(r => !empty(r)).map(record);
  for (let i = 0; i < records.length; i += WRITE_BATCH)
    await db(table).insert(records.slice(i, i + WRITE_BATCH));
}

const weekRecord = (r: DayRow) => {
  const { day: _day, ...rest } = toRecord(r);
  return rest;
};

/** One scope's weeks summed from its day rows. */
function weeksOf(scope: string, days: Iterable<DayRow>): DayRow[] {
  const weeks = new Map<string, DayRow>();
  for (const d of days) {
    let w = weeks.get(d.week);
    if (!w) {
      w = {
        scope,
        day: d.week,
        week: d.week,
        deployments: 0,
        failed: 0,
        by_incident: 0,
        by_rollback: 0,
        rework: 0,
        lead: new BucketCounts(),
        without_first: 0,
      };
      weeks.set(d.week, w);
    }
    w.deployments += d.deployments;
    w.failed += d.failed;
    w.by_incident += d.by_incident;
    w.by_rollback += d.by_rollback;
    w.rework += d.rework;
    w.without_first += d.without_first;
    w.lead.addAll(d.lead);
  }
  return [...weeks.values()];
}

/** A stored day row as computeScope makes them. */
function fromStored(r: Record<string, any>): DayRow {
  const lead = new BucketCounts();
  addEncoded(r.lead, lead);
  return {
    scope: r.scope,
    day: r.day,
    week: r.week,
    deployments: n(r.deployments),
    failed: n(r.failed),
    by_incident: n(r.by_incident),
    by_rollback: n(r.by_rollback),
    rework: n(r.rework),
    lead,
    without_first: n(r.without_first),
  };
}

async function inChunks(
  items: string[],
  fn: (chunk: string[]) => Promise<unknown>,
) {
  for (let i = 0; i < items.length; i += DAY_CHUNK)
    await fn(items.slice(i, i + DAY_CHUNK));
}

/**
 * Computes the marked (scope, day) rows again from the index tables, and
 * the weeks they fall in from the scope's day rows.
 */
export async function refreshDays(
  trx: Knex.Transaction,
  dirty: DirtyDays,
): Promise<void> {
  for (const [scope, set] of dirty) {
    const days = [...set].sort();
    const rows = await computeScope(trx, scope, days);
    await inChunks(days, chunk =>
      trx(DAYS).where('scope', scope).whereIn('day', chunk).delete(),
    );
    await insertRows(trx, DAYS, [...rows.values()], toRecord);

    const weeks = [...new Set(days.map(weekOf))];
    const stored: Record<string, any>[] = [];
    await inChunks(weeks, async chunk => {
      stored.push(
        ...(await trx(DAYS)
          .where('scope', scope)
          .whereIn('week', chunk)
          .select()),
      );
      await trx(WEEKS).where('scope', scope).whereIn('week', chunk).delete();
    });
    await insertRows(
      trx,
      WEEKS,
      weeksOf(scope, stored.map(fromStored)),
      weekRecord,
    );
  }
}

/**
 * Every rollup row again from the index tables, one scope at a time (the
 * migration that adds the tables, or a repair). Returns the day rows written.
 */
export async function rebuildDays(
  trx: Knex | Knex.Transaction,
): Promise<number> {
  await trx(DAYS).delete();
  await trx(WEEKS).delete();
  const scopes = new Set<string>();
  for (const [table, column] of [
    [DEPLOYMENTS, 'day'],
    [CHANGES, 'deploy_day'],
  ]) {
    const rows = await trx(table)
      .whereNotNull(column)
      .distinct('scope')
      .select();
    for (const r of rows) scopes.add(r.scope);
  }
  let written = 0;
  for (const scope of [...scopes].sort()) {
    const rows = [...(await computeScope(trx, scope, undefined)).values()];
    await insertRows(trx, DAYS, rows, toRecord);
    await insertRows(trx, WEEKS, weeksOf(scope, rows), weekRecord);
    written += rows.filter(r => !empty(r)).length;
  }
  return written;
}
