/*
 * The platform plugin's tables. Timestamps are ISO-8601 strings in UTC so
 * that they sort and compare the same on SQLite and PostgreSQL.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('platform_capabilities', table => {
    table.comment(
      'Last known capabilities of every engine, so that requests validate while an engine is down',
    );
    table.string('ref').primary();
    table.string('engine_id').notNullable().index();
    table.text('data').notNullable();
    table.string('updated_at').notNullable();
  });

  await knex.schema.createTable('platform_resources', table => {
    table.comment(
      'Requested resources: desired state, observed status, and the dispatch outbox',
    );
    table.string('id').primary();
    table.string('capability_ref').notNullable();
    table.string('engine_id').notNullable();
    table.string('name').notNullable();
    table.string('environment').notNullable();
    table.string('owner').notNullable();
    table.string('requested_by').notNullable();
    table.string('component_ref');
    table.text('spec').notNullable();
    table.integer('generation').notNullable();
    table.integer('observed_generation').notNullable().defaultTo(0);
    table.string('phase').notNullable();
    table.text('message');
    table.text('conditions').notNullable();
    table.text('outputs').notNullable();
    table.string('desired_version').notNullable();
    table.string('applied_version');
    table.text('engine_ref');
    table.string('created_at').notNullable();
    table.string('updated_at').notNullable();
    table.string('ready_at');
    table.string('deleted_at');
    // The outbox: what the dispatcher still has to tell the engine.
    table
      .string('dispatch_action')
      .comment('apply | delete | null when nothing is owed');
    table.integer('dispatch_generation');
    table.integer('dispatch_attempts').notNullable().defaultTo(0);
    table.string('dispatch_next_at');
    table.text('dispatch_error');
    table.string('dispatch_claimed_by');
    table.string('dispatch_claimed_until');
    table.string('search_text').notNullable();

    table.index(
      ['capability_ref', 'name', 'id'],
      'platform_resources_capability_idx',
    );
    table.index(['owner', 'name', 'id'], 'platform_resources_owner_idx');
    table.index(
      ['component_ref', 'name', 'id'],
      'platform_resources_component_idx',
    );
    table.index(['phase', 'name', 'id'], 'platform_resources_phase_idx');
    table.index(
      ['environment', 'name', 'id'],
      'platform_resources_environment_idx',
    );
    table.index(['name', 'id'], 'platform_resources_name_idx');
    table.index(['created_at', 'id'], 'platform_resources_created_idx');
    table.index(['updated_at', 'id'], 'platform_resources_updated_idx');
    table.index(
      ['dispatch_action', 'dispatch_next_at'],
      'platform_resources_dispatch_idx',
    );
  });
  // One live resource per capability, environment and name; deleted ones keep
  // their rows (and history) without blocking the name.
  await knex.raw(
    'CREATE UNIQUE INDEX platform_resources_live_name_idx ON platform_resources (capability_ref, environment, name) WHERE deleted_at IS NULL',
  );

  await knex.schema.createTable('platform_resource_events', table => {
    table.comment('Append-only history of every resource');
    table.bigIncrements('id').primary();
    table.string('resource_id').notNullable();
    table.string('type').notNullable();
    table.string('at').notNullable();
    table.string('actor');
    table.string('from_phase');
    table.string('to_phase');
    table.string('reason');
    table.text('message');
    table.integer('generation');
    table.text('data');
    table.index(['resource_id', 'id'], 'platform_resource_events_resource_idx');
    table.index(['type', 'at'], 'platform_resource_events_type_idx');
  });

  await knex.schema.createTable('platform_idempotency_keys', table => {
    table.comment('Idempotency-Key of create requests, per caller');
    table.string('principal').notNullable();
    table.string('key').notNullable();
    table.string('request_hash').notNullable();
    table.string('resource_id').notNullable();
    table.string('created_at').notNullable();
    table.primary(['principal', 'key']);
  });

  await knex.schema.createTable('platform_rollouts', table => {
    table.comment(
      'Day-2 upgrades of a capability, executed in waves by the backend',
    );
    table.string('id').primary();
    table.string('capability_ref').notNullable().index();
    table.string('target_version').notNullable();
    table.integer('wave_size').notNullable();
    table.integer('pause_seconds').notNullable();
    table.string('status').notNullable();
    table.text('message');
    table.integer('current_wave').notNullable();
    table.integer('wave_count').notNullable();
    table.string('next_wave_at');
    table.string('created_by').notNullable();
    table.string('created_at').notNullable();
    table.string('updated_at').notNullable();
  });

  await knex.schema.createTable('platform_rollout_items', table => {
    table.string('rollout_id').notNullable();
    table.string('resource_id').notNullable();
    table.integer('wave').notNullable();
    table.string('status').notNullable();
    table.string('from_version');
    table.text('message');
    table.string('started_at');
    table.string('finished_at');
    table.primary(['rollout_id', 'resource_id']);
    table.index(['rollout_id', 'wave'], 'platform_rollout_items_wave_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('platform_rollout_items');
  await knex.schema.dropTable('platform_rollouts');
  await knex.schema.dropTable('platform_idempotency_keys');
  await knex.schema.dropTable('platform_resource_events');
  await knex.schema.dropTable('platform_resources');
  await knex.schema.dropTable('platform_capabilities');
};
