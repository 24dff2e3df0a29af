/*
 * Change requests (issue 13, item 3): a create, update or delete that waits
 * for a person's approval. The id is an integer sequence, shown as a short
 * decimal string ("request 42").
 *
 * `pending_resource_id` holds the resource id while the request is pending
 * and NULL otherwise: its unique index is the "one pending change request
 * per resource" rule on both databases (NULLs never collide). The unique
 * (requested_by, idempotency_key) index makes a repeated create with the same
 * Idempotency-Key find its change request instead of making a second one.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('platform_change_requests', table => {
    table.increments('id').primary();
    table.string('operation', 16).notNullable();
    table.string('status', 16).notNullable();
    table.text('reasons').notNullable();
    table.string('resource_id', 100).nullable();
    table.string('pending_resource_id', 100).nullable();
    table.string('resource_name', 255).notNullable();
    table.string('capability_ref', 255).notNullable();
    table.string('environment', 255).notNullable();
    table.string('owner', 255).notNullable();
    table.string('component', 255).nullable();
    table.text('change').notNullable();
    table.integer('base_generation').nullable();
    table.string('requested_by', 255).notNullable();
    table.string('requested_by_type', 16).notNullable();
    table.string('on_behalf_of', 255).nullable();
    table.string('via', 255).nullable();
    table.string('idempotency_key', 200).nullable();
    table.string('request_hash', 64).nullable();
    table.string('created_at', 30).notNullable();
    table.string('expires_at', 30).notNullable();
    table.string('decided_by', 255).nullable();
    table.string('decided_at', 30).nullable();
    table.text('comment').nullable();
    table.text('failure').nullable();
    table.unique(['pending_resource_id'], {
      indexName: 'platform_change_requests_pending_uq',
    });
    table.unique(['requested_by', 'idempotency_key'], {
      indexName: 'platform_change_requests_idempotency_uq',
    });
    table.index(
      ['status', 'expires_at'],
      'platform_change_requests_status_idx',
    );
    table.index(['resource_id'], 'platform_change_requests_resource_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('platform_change_requests');
};
