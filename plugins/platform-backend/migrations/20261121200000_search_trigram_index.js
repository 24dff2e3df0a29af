/*
 * Free-text search (`text=` on GET /resources) is `search_text LIKE '%…%'`,
 * which no B-tree index serves: at 100,000 resources a rare term took
 * 101 ms p95 for the page on PostgreSQL, scanning the table. A trigram GIN
 * index answers it in about 1 ms (bench/platform-api/explain.ts).
 *
 * PostgreSQL only, and only where the pg_trgm extension can be had: it ships
 * with PostgreSQL's contrib package and is a trusted extension (13+), so the
 * database owner may create it. Where it is missing or not permitted the
 * migration leaves search as it was and says so; SQLite keeps the scan.
 */

const INDEX = 'platform_resources_search_trgm_idx';
const CREATE_INDEX = `CREATE INDEX IF NOT EXISTS ${INDEX} ON platform_resources USING gin (search_text gin_trgm_ops) WHERE deleted_at IS NULL`;

/** Backstage's PostgreSQL client is `pg`; knex also accepts these names. */
function isPostgres(knex) {
  return ['pg', 'postgres', 'postgresql'].includes(
    String(knex.client.config.client),
  );
}

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  if (!isPostgres(knex)) return;
  const available = await knex.raw(
    "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'",
  );
  if (available.rows.length === 0) {
    console.warn(
      `platform: pg_trgm is not available on this PostgreSQL server, so free-text search of resources scans the table. To index it, install PostgreSQL's contrib package and run: CREATE EXTENSION pg_trgm; ${CREATE_INDEX}`,
    );
    return;
  }
  // A failed CREATE EXTENSION must not abort the migration's transaction.
  await knex.raw('SAVEPOINT platform_pg_trgm');
  try {
    await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await knex.raw('RELEASE SAVEPOINT platform_pg_trgm');
  } catch (error) {
    await knex.raw('ROLLBACK TO SAVEPOINT platform_pg_trgm');
    console.warn(
      `platform: could not create the pg_trgm extension (${error.message}), so free-text search of resources scans the table. To index it, run as a privileged user: CREATE EXTENSION pg_trgm; ${CREATE_INDEX}`,
    );
    return;
  }
  await knex.raw(CREATE_INDEX);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  if (!isPostgres(knex)) return;
  await knex.raw(`DROP INDEX IF EXISTS ${INDEX}`);
};
