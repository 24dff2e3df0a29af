/*
 * Work the dispatcher parks until someone hands over credentials (an engine
 * that acts with the requesting user's identity, and no token held) was a
 * NULL `dispatch_next_at` on a row that still owed an action: a state that
 * only a reader who knew the convention could see. `dispatch_state` says it:
 *
 *   'scheduled'            owed; claimable once `dispatch_next_at` has passed
 *   'awaiting-credentials' owed; parked, no dispatcher claims it until a
 *                          retry with credentials (or a newer change)
 *   NULL                   nothing owed (`dispatch_action` is NULL too)
 *
 * The partial index of 20261202043000 is replaced by one of the scheduled
 * work only: the claim asks `dispatch_state = 'scheduled' AND
 * dispatch_next_at <= now` and reads the due rows and nothing else. The
 * literal in both predicates lets SQLite prove the index applies.
 *
 * Plain SQL throughout: on SQLite, knex copies the table for some changes,
 * which would drop the search triggers of 20261201230000 (ADD and DROP
 * COLUMN are native since SQLite 3.35).
 */

const SCHEDULED = 'platform_resources_scheduled_idx';
const DUE = 'platform_resources_due_idx';

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.raw(
    'ALTER TABLE platform_resources ADD COLUMN dispatch_state varchar(255)',
  );
  await knex.raw(
    `UPDATE platform_resources SET dispatch_state = CASE
       WHEN dispatch_next_at IS NULL THEN 'awaiting-credentials'
       ELSE 'scheduled' END
     WHERE dispatch_action IS NOT NULL`,
  );
  await knex.raw(
    `CREATE INDEX ${SCHEDULED} ON platform_resources (dispatch_next_at) WHERE dispatch_state = 'scheduled'`,
  );
  await knex.raw(`DROP INDEX ${DUE}`);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(
    `CREATE INDEX ${DUE} ON platform_resources (dispatch_next_at) WHERE dispatch_action IS NOT NULL`,
  );
  await knex.raw(`DROP INDEX ${SCHEDULED}`);
  // Before this migration, parked work was owed work without a time.
  await knex.raw(
    `UPDATE platform_resources SET dispatch_next_at = NULL
     WHERE dispatch_state = 'awaiting-credentials'`,
  );
  await knex.raw('ALTER TABLE platform_resources DROP COLUMN dispatch_state');
};
