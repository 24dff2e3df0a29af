/*
 * Approving a change request is three steps: the decision (a conditional
 * UPDATE pending -> approved), applying the change through the resource
 * store, and recording the outcome. A backend that stops between them left
 * an `approved` request whose change was never applied, or applied but never
 * recorded (and, for updates and deletes, `pending_resource_id` still set,
 * which blocks every other change of the resource).
 *
 *   applied_at   NULL until the outcome is recorded (approved or failed):
 *                an approved request with NULL here is unfinished.
 *   apply_until  the lease of whoever applies it: set by the approval (and by
 *                a recovery that claims it), cleared with applied_at. A
 *                recovery claims only unfinished requests whose lease has
 *                run out, so a live approval is never taken over.
 *
 * Backfill: failed requests are finished; approved ones are finished when
 * their outcome was recorded, which the old code shows by a resource id
 * (creates get theirs then) and a freed `pending_resource_id` (updates and
 * deletes hold it until then). Anything else is left for the recovery.
 *
 * Plain SQL, as the other column changes (ADD and DROP COLUMN are native on
 * SQLite since 3.35).
 */

const UNFINISHED = 'platform_change_requests_unfinished_idx';

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.raw(
    'ALTER TABLE platform_change_requests ADD COLUMN applied_at varchar(30)',
  );
  await knex.raw(
    'ALTER TABLE platform_change_requests ADD COLUMN apply_until varchar(30)',
  );
  await knex.raw(
    `UPDATE platform_change_requests SET applied_at = decided_at
     WHERE status = 'failed'
        OR (status = 'approved' AND resource_id IS NOT NULL
            AND pending_resource_id IS NULL)`,
  );
  await knex.raw(
    `CREATE INDEX ${UNFINISHED} ON platform_change_requests (id)
     WHERE status = 'approved' AND applied_at IS NULL`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(`DROP INDEX ${UNFINISHED}`);
  await knex.raw(
    'ALTER TABLE platform_change_requests DROP COLUMN apply_until',
  );
  await knex.raw('ALTER TABLE platform_change_requests DROP COLUMN applied_at');
};
