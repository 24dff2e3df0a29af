/*
 * Weekly and monthly rollups of the day-keyed counts and histograms, so that
 * golden-path and service-level questions over a long range read a dozen
 * month rows and a few week rows per key instead of every day:
 * - devex_rollup_periods: devex_rollup_daily summed per ISO week (start =
 *   its Monday) and calendar month (start = its first day);
 * - devex_histogram_periods: devex_rollup_histogram summed the same way.
 * Both are derived from the daily tables and filled from them here.
 */

/** SQL for the start of the week or month of a `YYYY-MM-DD` column. */
function periodStart(knex, period, column) {
  if (period === 'month') return `substr(${column}, 1, 7) || '-01'`;
  if (String(knex.client.config.client).includes('pg')) {
    return `to_char(date_trunc('week', ${column}::date), 'YYYY-MM-DD')`;
  }
  return `date(${column}, '-' || ((CAST(strftime('%w', ${column}) AS INTEGER) + 6) % 7) || ' days')`;
}

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('devex_rollup_periods', table => {
    table.comment(
      'Counts and sums per week or month, metric, team (* = all) and dimension',
    );
    table.string('period', 10).notNullable().comment('week | month');
    table.string('metric', 100).notNullable();
    table.string('team', 255).notNullable();
    table.string('dim', 50).notNullable();
    table
      .string('start', 10)
      .notNullable()
      .comment('Monday of the ISO week, or the first day of the month');
    table.string('dim_value', 800).notNullable();
    table.bigInteger('count').notNullable();
    table.double('sum').notNullable();
    table.primary(['period', 'metric', 'team', 'dim', 'start', 'dim_value']);
  });

  await knex.schema.createTable('devex_histogram_periods', table => {
    table.comment(
      'Duration histogram buckets per week or month, metric, team and dimension',
    );
    table.string('period', 10).notNullable().comment('week | month');
    table.string('metric', 100).notNullable();
    table.string('team', 255).notNullable();
    table.string('dim', 50).notNullable();
    table
      .string('start', 10)
      .notNullable()
      .comment('Monday of the ISO week, or the first day of the month');
    table.string('dim_value', 255).notNullable();
    table.integer('bucket').notNullable();
    table.bigInteger('count').notNullable();
    table.primary([
      'period',
      'metric',
      'team',
      'dim',
      'start',
      'dim_value',
      'bucket',
    ]);
  });

  for (const period of ['week', 'month']) {
    const start = periodStart(knex, period, 'day');
    await knex.raw(
      `INSERT INTO devex_rollup_periods (period, metric, team, dim, start, dim_value, count, sum)
       SELECT ?, metric, team, dim, ${start}, dim_value, SUM(count), SUM(sum)
       FROM devex_rollup_daily
       GROUP BY metric, team, dim, ${start}, dim_value`,
      [period],
    );
    await knex.raw(
      `INSERT INTO devex_histogram_periods (period, metric, team, dim, start, dim_value, bucket, count)
       SELECT ?, metric, team, dim, ${start}, dim_value, bucket, SUM(count)
       FROM devex_rollup_histogram
       GROUP BY metric, team, dim, ${start}, dim_value, bucket`,
      [period],
    );
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('devex_histogram_periods');
  await knex.schema.dropTable('devex_rollup_periods');
};
