/*
 * Quarterly rows in the period rollups (devex_rollup_periods,
 * devex_histogram_periods, period = 'quarter', start = the quarter's first
 * day), so that a year of golden-path and service-level questions reads 3
 * or 4 quarter rows per key instead of 12 month rows. Filled here from the
 * daily tables.
 */

function quarterStart(knex, column) {
  if (String(knex.client.config.client).includes('pg')) {
    return `to_char(date_trunc('quarter', ${column}::date), 'YYYY-MM-DD')`;
  }
  return `substr(${column}, 1, 5) || printf('%02d', (CAST(substr(${column}, 6, 2) AS INTEGER) - 1) / 3 * 3 + 1) || '-01'`;
}

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  const start = quarterStart(knex, 'day');
  await knex.raw(
    `INSERT INTO devex_rollup_periods (period, metric, team, dim, start, dim_value, count, sum)
     SELECT 'quarter', metric, team, dim, ${start}, dim_value, SUM(count), SUM(sum)
     FROM devex_rollup_daily
     GROUP BY metric, team, dim, ${start}, dim_value`,
  );
  await knex.raw(
    `INSERT INTO devex_histogram_periods (period, metric, team, dim, start, dim_value, bucket, count)
     SELECT 'quarter', metric, team, dim, ${start}, dim_value, bucket, SUM(count)
     FROM devex_rollup_histogram
     GROUP BY metric, team, dim, ${start}, dim_value, bucket`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex('devex_histogram_periods').where('period', 'quarter').delete();
  await knex('devex_rollup_periods').where('period', 'quarter').delete();
};
