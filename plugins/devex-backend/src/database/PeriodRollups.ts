import { Knex } from 'knex';
import { monthOf, quarterOf, weekOf } from '../rollups/days';
import { ROLLUP_CHUNK } from './upserts';

/**
 * Weekly, monthly and quarterly rollups of the day-keyed counts and histograms
 * (devex_rollup_periods, devex_histogram_periods): the same rows as
 * devex_rollup_daily and devex_rollup_histogram, summed per ISO week (dated
 * by its Monday), calendar month and calendar quarter (dated by their first
 * day). A reader takes the whole quarters, months and weeks of a range from
 * here and only the days at its
 * edges from the daily tables, so a year is a dozen rows per key, not 365.
 */
export const PERIODS = ['week', 'month', 'quarter'] as const;
export type Period = (typeof PERIODS)[number];

export const PERIOD_TABLE = {
  devex_rollup_daily: 'devex_rollup_periods',
  devex_rollup_histogram: 'devex_histogram_periods',
} as const;

const startOf: Record<Period, (day: string) => string> = {
  week: weekOf,
  month: monthOf,
  quarter: quarterOf,
};

type DayRow = Record<string, string | number> & { day: string };

/**
 * The week, month and quarter rows of day-keyed rows: `key` without `day`, plus
 * `period` and `start`; the `sums` columns added up.
 */
function toPeriods(rows: DayRow[], key: string[], sums: string[]) {
  const result = new Map<string, Record<string, string | number>>();
  for (const row of rows) {
    for (const period of PERIODS) {
      const start = startOf[period](row.day);
      const id = JSON.stringify([period, start, ...key.map(k => row[k])]);
      const entry = result.get(id);
      if (entry) {
        for (const s of sums) entry[s] = Number(entry[s]) + Number(row[s]);
      } else {
        const fresh: Record<string, string | number> = { period, start };
        for (const k of key) fresh[k] = row[k];
        for (const s of sums) fresh[s] = Number(row[s]);
        result.set(id, fresh);
      }
    }
  }
  return [...result.values()];
}

/**
 * Adds the changes of day-keyed rows (already applied to `dayTable`) to its
 * week, month and quarter table in the same transaction, and deletes the period rows
 * a subtraction took to zero, as the daily writer does for its rows.
 */
export async function applyPeriodDeltas(
  trx: Knex.Transaction,
  dayTable: keyof typeof PERIOD_TABLE,
  rows: DayRow[],
  key: string[],
  sums: string[],
) {
  if (rows.length === 0) return;
  const table = PERIOD_TABLE[dayTable];
  const periodKey = ['period', ...key, 'start'];
  const periodRows = toPeriods(rows, key, sums).filter(r =>
    sums.some(s => r[s] !== 0),
  );
  const add = (column: string) =>
    trx.raw('?? + ??', [`${table}.${column}`, `excluded.${column}`]);
  for (let i = 0; i < periodRows.length; i += ROLLUP_CHUNK) {
    await trx(table)
      .insert(periodRows.slice(i, i + ROLLUP_CHUNK))
      .onConflict(periodKey)
      .merge(Object.fromEntries(sums.map(s => [s, add(s)])));
  }
  const lowered = periodRows.filter(r => Number(r.count) < 0);
  for (let i = 0; i < lowered.length; i += ROLLUP_CHUNK) {
    await trx(table)
      .whereIn(
        periodKey,
        lowered
          .slice(i, i + ROLLUP_CHUNK)
          .map(r => periodKey.map(k => r[k])) as any,
      )
      .where('count', '<=', 0)
      .delete();
  }
}

/** SQL for the start of the week or month of a `YYYY-MM-DD` column. */
export function periodStartSql(
  db: Knex | Knex.Transaction,
  period: Period,
  column: string,
): string {
  if (period === 'month') return `substr(${column}, 1, 7) || '-01'`;
  const pg = String(db.client.config.client).includes('pg');
  if (period === 'quarter') {
    return pg
      ? `to_char(date_trunc('quarter', ${column}::date), 'YYYY-MM-DD')`
      : `substr(${column}, 1, 5) || printf('%02d', (CAST(substr(${column}, 6, 2) AS INTEGER) - 1) / 3 * 3 + 1) || '-01'`;
  }
  if (pg) {
    return `to_char(date_trunc('week', ${column}::date), 'YYYY-MM-DD')`;
  }
  return `date(${column}, '-' || ((CAST(strftime('%w', ${column}) AS INTEGER) + 6) % 7) || ' days')`;
}

/**
 * Derives the week, month and quarter tables from the daily ones in one grouped
 * statement per table and period (the rebuild's step, the bulk loader's and
 * the migration's).
 */
export async function derivePeriodRollups(trx: Knex.Transaction) {
  await trx('devex_rollup_periods').delete();
  await trx('devex_histogram_periods').delete();
  for (const period of PERIODS) {
    const start = periodStartSql(trx, period, 'day');
    await trx.raw(
      `INSERT INTO devex_rollup_periods (period, metric, team, dim, start, dim_value, count, sum)
       SELECT ?, metric, team, dim, ${start}, dim_value, SUM(count), SUM(sum)
       FROM devex_rollup_daily
       GROUP BY metric, team, dim, ${start}, dim_value`,
      [period],
    );
    await trx.raw(
      `INSERT INTO devex_histogram_periods (period, metric, team, dim, start, dim_value, bucket, count)
       SELECT ?, metric, team, dim, ${start}, dim_value, bucket, SUM(count)
       FROM devex_rollup_histogram
       GROUP BY metric, team, dim, ${start}, dim_value, bucket`,
      [period],
    );
  }
}
