/*
 * `on_behalf_of` was meant to say for whom a service asked, but nothing ever
 * filled it: who asked is `requested_by` with `requested_by_type` and `via`
 * (an OAuth agent acting as a person is that person, via mcp; an agent with
 * its own token is its own subject, a service). The column was NULL in every
 * row, so dropping it loses nothing; the rollback adds it back, empty.
 *
 * Plain SQL, as the other column changes (DROP COLUMN is native on SQLite
 * since 3.35; the column is in no index).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.raw(
    'ALTER TABLE platform_change_requests DROP COLUMN on_behalf_of',
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(
    'ALTER TABLE platform_change_requests ADD COLUMN on_behalf_of varchar(255)',
  );
};
