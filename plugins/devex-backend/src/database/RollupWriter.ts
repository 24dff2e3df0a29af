import { Knex } from 'knex';
import { activeRow, RollupDeltas } from '../rollups/contributions';
import { applyActiveChanges } from './ActiveRollups';
import { applyPeriodDeltas } from './PeriodRollups';
import { ROLLUP_CHUNK, upsertCounted } from './upserts';

/**
 * Adds the deltas to the rollup tables, one upsert per chunk and table. With
 * `derived` (the default) the week and month tables (counts, histograms,
 * distinct users, their counts and first-seen days) follow the per-day rows;
 * a rebuild derives them in one pass at the end instead.
 */
export async function applyDeltas(
  trx: Knex.Transaction,
  deltas: RollupDeltas,
  options: { derived: boolean } = { derived: true },
) {
  const daily = [...deltas.daily.values()]
    .filter(d => d.count !== 0 || d.sum !== 0)
    .map(d => ({
      metric: d.metric,
      team: d.team,
      dim: d.dim,
      day: d.day,
      dim_value: d.dimValue,
      count: d.count,
      sum: d.sum,
    }));
  const dailyKey = ['metric', 'team', 'dim', 'day', 'dim_value'];
  const add = (table: string, column: string) =>
    trx.raw('?? + ??', [`${table}.${column}`, `excluded.${column}`]);
  for (let i = 0; i < daily.length; i += ROLLUP_CHUNK) {
    await trx('devex_rollup_daily')
      .insert(daily.slice(i, i + ROLLUP_CHUNK))
      .onConflict(dailyKey)
      .merge({
        count: add('devex_rollup_daily', 'count'),
        sum: add('devex_rollup_daily', 'sum'),
      });
  }
  const histogram = [...deltas.histogram.values()]
    .filter(d => d.count !== 0)
    .map(d => ({
      metric: d.metric,
      team: d.team,
      dim: d.dim,
      day: d.day,
      dim_value: d.dimValue,
      bucket: d.bucket,
      count: d.count,
    }));
  const histogramKey = ['metric', 'team', 'dim', 'day', 'dim_value', 'bucket'];
  for (let i = 0; i < histogram.length; i += ROLLUP_CHUNK) {
    await trx('devex_rollup_histogram')
      .insert(histogram.slice(i, i + ROLLUP_CHUNK))
      .onConflict(histogramKey)
      .merge({ count: add('devex_rollup_histogram', 'count') });
  }
  if (options.derived) {
    await applyPeriodDeltas(
      trx,
      'devex_rollup_daily',
      daily,
      ['metric', 'team', 'dim', 'dim_value'],
      ['count', 'sum'],
    );
    await applyPeriodDeltas(
      trx,
      'devex_rollup_histogram',
      histogram,
      ['metric', 'team', 'dim', 'dim_value', 'bucket'],
      ['count'],
    );
  }
  const active = [...deltas.active.values()]
    .filter(d => d.events !== 0)
    .map(d => activeRow(d));
  const changes = await upsertCounted(
    trx,
    'devex_rollup_active',
    ['team', 'plugin', 'day', 'actor'],
    active,
    'events',
  );
  if (options.derived) await applyActiveChanges(trx, active, changes);
  if (!deltas.subtracted) return;
  // Rows a superseded fact took back to zero are removed, so that a rollup
  // row always means "something counts here" (as a rebuild would leave it).
  const emptied = async (
    table: string,
    key: string[],
    rows: Record<string, unknown>[],
    column: string,
  ) => {
    for (let i = 0; i < rows.length; i += ROLLUP_CHUNK) {
      await trx(table)
        .whereIn(
          key,
          rows.slice(i, i + ROLLUP_CHUNK).map(r => key.map(k => r[k])) as any,
        )
        .where(column, '<=', 0)
        .delete();
    }
  };
  await emptied(
    'devex_rollup_daily',
    dailyKey,
    daily.filter(d => d.count < 0),
    'count',
  );
  await emptied(
    'devex_rollup_histogram',
    histogramKey,
    histogram.filter(d => d.count < 0),
    'count',
  );
}
