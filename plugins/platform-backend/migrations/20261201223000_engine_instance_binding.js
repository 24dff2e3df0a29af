/*
 * Engines that live inside one backend process (the embedded local engine)
 * exist once per replica. A resource is bound to the engine instance that
 * applies it first, so that with several replicas on one database only that
 * instance applies, deletes, observes or re-applies it: never two instances.
 * NULL for engines that every replica shares (Kubernetes), and for rows
 * applied before this migration until their instance observes them.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('platform_resources', table => {
    table
      .string('engine_instance')
      .comment(
        'The instance of a process-local engine that holds the resource; null for shared engines',
      );
    table.index(
      ['engine_id', 'engine_instance'],
      'platform_resources_engine_instance_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('platform_resources', table => {
    table.dropIndex(
      ['engine_id', 'engine_instance'],
      'platform_resources_engine_instance_idx',
    );
    table.dropColumn('engine_instance');
  });
};
