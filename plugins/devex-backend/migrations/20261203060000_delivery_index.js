/*
 * The delivery index (issue 12): one row per production-relevant delivery
 * subject, derived from the delivery.* facts (and the golden-path and
 * platform facts that say when a component or a team came to the platform).
 * DeliveryIndex fills and keeps these from devex_facts through a cursor
 * (devex_cursors, source 'delivery-index'), so the migration only creates
 * them: the first catch-up reads the facts already stored. Rows survive the
 * retention of raw facts, like the rollups.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('devex_delivery_deployments', table => {
    table.comment(
      'Latest status of each delivery.deployment subject, with its derived failure and rework',
    );
    table.string('subject', 255).primary();
    table.bigInteger('fact_id').notNullable();
    table.string('repo', 255).notNullable().comment('<provider>:<repo>');
    table.string('component', 255).comment('entity ref, null when unmapped');
    table
      .string('scope', 255)
      .notNullable()
      .comment('component, else the repo: the unit of failure and rework');
    table.string('environment', 255).notNullable();
    table.boolean('production').notNullable();
    table.string('status', 50).notNullable();
    table.string('sha', 100);
    table.string('url', 1000);
    table.string('actor', 255);
    table.string('time', 30).notNullable().comment('the final status');
    table
      .string('created_at', 30)
      .notNullable()
      .comment('deployment created (else time): what it contains');
    table.string('day', 10).notNullable();
    table.string('week', 10).notNullable();
    table.boolean('failed').notNullable().defaultTo(false);
    table.string('failed_incident', 255);
    table.string('failed_rollback', 255);
    table.boolean('rework').notNullable().defaultTo(false);
    table.string('rework_incident', 255);
    // Covering the report's grouped read (index-only on both databases).
    table.index(
      [
        'production',
        'status',
        'day',
        'scope',
        'week',
        'failed',
        'rework',
        'failed_incident',
        'failed_rollback',
      ],
      'devex_delivery_deployments_day_idx',
    );
    table.index(
      ['repo', 'production', 'status', 'created_at'],
      'devex_delivery_deployments_repo_idx',
    );
    table.index(
      ['scope', 'production', 'status', 'time'],
      'devex_delivery_deployments_scope_idx',
    );
  });

  await knex.schema.createTable('devex_delivery_changes', table => {
    table.comment(
      'Each merged change and the first production deployment that contains it',
    );
    table.string('subject', 255).primary();
    table.bigInteger('fact_id').notNullable();
    table.string('repo', 255).notNullable();
    table.string('component', 255);
    table.string('scope', 255).notNullable();
    table.integer('number');
    table.string('url', 1000);
    table.string('actor', 255);
    table.string('merged_at', 30).notNullable();
    table.string('merge_day', 10).notNullable();
    table.string('first_commit_at', 30);
    table.string('merge_sha', 100);
    table.string('deployment', 255);
    table.string('deployed_at', 30);
    table.string('deploy_created_at', 30);
    table.string('deploy_day', 10);
    table.string('deploy_week', 10);
    table.double('lead_seconds');
    table.integer('lead_bucket');
    // Covering the lead-time, first-commit and not-deployed reads.
    table.index(
      ['deploy_day', 'scope', 'deploy_week', 'lead_bucket', 'first_commit_at'],
      'devex_delivery_changes_deploy_idx',
    );
    table.index(
      ['merge_day', 'scope', 'deploy_day'],
      'devex_delivery_changes_merge_idx',
    );
    table.index(['repo', 'merged_at'], 'devex_delivery_changes_repo_idx');
    table.index(
      ['repo', 'deploy_created_at'],
      'devex_delivery_changes_repo_deploy_idx',
    );
    table.index(['actor', 'merged_at'], 'devex_delivery_changes_actor_idx');
    table.index(['deployment'], 'devex_delivery_changes_deployment_idx');
  });

  await knex.schema.createTable('devex_delivery_incidents', table => {
    table.comment(
      'Each incident: opened, resolved, and what it is counted against',
    );
    table.string('subject', 255).primary();
    table.bigInteger('fact_id').notNullable();
    table.string('component', 255);
    table.string('title', 1000);
    table.string('url', 1000);
    table.string('severity', 100);
    table.string('opened_at', 30).notNullable();
    table.string('open_day', 10).notNullable();
    table.string('last_opened_at', 30).notNullable();
    table.string('resolved_at', 30);
    table.string('resolved_day', 10);
    table.string('resolved_week', 10);
    table.double('recovery_seconds');
    table.integer('recovery_bucket');
    table.string('deployment', 255);
    table.index(
      ['resolved_day', 'component', 'resolved_week', 'recovery_bucket'],
      'devex_delivery_incidents_resolved_idx',
    );
    table.index(['open_day', 'component'], 'devex_delivery_incidents_open_idx');
    table.index(
      ['component', 'opened_at'],
      'devex_delivery_incidents_component_idx',
    );
  });

  await knex.schema.createTable('devex_delivery_adoption', table => {
    table.comment(
      'When a component was created by a golden path, or a team first used the platform',
    );
    table.string('kind', 20).notNullable().comment("'component' or 'team'");
    table.string('ref', 255).notNullable();
    table.string('first_at', 30).notNullable();
    table
      .string('first_by', 30)
      .notNullable()
      .comment("'golden-path' or 'platform-resource'");
    table.primary(['kind', 'ref']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('devex_delivery_adoption');
  await knex.schema.dropTable('devex_delivery_incidents');
  await knex.schema.dropTable('devex_delivery_changes');
  await knex.schema.dropTable('devex_delivery_deployments');
  await knex('devex_cursors').where('source', 'delivery-index').delete();
};
