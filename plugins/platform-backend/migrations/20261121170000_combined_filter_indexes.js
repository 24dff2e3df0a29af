/*
 * Indexes for the filter combinations the portal uses most, so that a query
 * filtering on both columns walks only the matching rows. Without them
 * SQLite (which has no statistics by default) can pick the index of the
 * less selective column: owner + a common phase took 210 ms at 100,000
 * resources.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('platform_resources', table => {
    table.index(
      ['owner', 'phase', 'name', 'id'],
      'platform_resources_owner_phase_idx',
    );
    table.index(
      ['capability_ref', 'environment', 'name', 'id'],
      'platform_resources_capability_env_idx',
    );
    table.index(
      ['environment', 'phase', 'name', 'id'],
      'platform_resources_env_phase_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('platform_resources', table => {
    table.dropIndex([], 'platform_resources_owner_phase_idx');
    table.dropIndex([], 'platform_resources_capability_env_idx');
    table.dropIndex([], 'platform_resources_env_phase_idx');
  });
};
