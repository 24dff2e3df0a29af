/*
 * The dispatcher asks, on every pass, for the owed work that is due:
 * `dispatch_action IS NOT NULL AND dispatch_next_at <= now ORDER BY
 * dispatch_next_at`. SQLite (without statistics) could not use the index
 * (dispatch_action, dispatch_next_at) for `IS NOT NULL`: it read the whole
 * table and sorted it, on every pass, so each create's dispatch cost grew
 * with the number of resources (about 2 ms at 3,000 rows).
 *
 * A partial index of the owed work only, ordered by when it is due, answers
 * that question on both databases by reading the due rows and nothing else,
 * and it stays as small as the outbox: a row leaves it when its work is done.
 * It replaces the old index, which no other query needs (the earliest due
 * time, `nextDispatchDue`, is the same question).
 */

const DUE = 'platform_resources_due_idx';
const OLD = 'platform_resources_dispatch_idx';

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.raw(
    `CREATE INDEX ${DUE} ON platform_resources (dispatch_next_at) WHERE dispatch_action IS NOT NULL`,
  );
  // Plain SQL: on SQLite, knex may copy a table for some changes, which
  // would drop the search triggers of 20261201230000.
  await knex.raw(`DROP INDEX ${OLD}`);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(
    `CREATE INDEX ${OLD} ON platform_resources (dispatch_action, dispatch_next_at)`,
  );
  await knex.raw(`DROP INDEX ${DUE}`);
};
