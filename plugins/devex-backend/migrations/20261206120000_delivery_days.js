/*
 * Per-day delivery rollups (issue 12: delivery and team pages p95 < 200 ms
 * at 1 M deployments and changes). One row per (scope, day): the successful
 * production deployments of that day with their failures and rework, and the
 * lead times of the changes that reached production that day, as a histogram
 * of fine buckets. DeliveryIndex keeps the rows of the (scope, day)s each
 * chunk of facts touches; this migration only creates the table and marks it
 * for a rebuild, which the first catch-up makes from the index tables (not
 * from the facts, which retention may have removed).
 *
 * And the indexes the reports' other reads lacked: changes not deployed by
 * the range's end, the first evidence page of all deployments, a user's
 * first and Nth change (onboarding), and the per-scope reads of the rollup's
 * own upkeep.
 */

const MARKER = { source: 'delivery-index', key: 'days/rebuild' };

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  // Keyed by day first: a report reads a range of days for every scope, so
  // on SQLite the rows are stored in that order (WITHOUT ROWID: a range scan
  // reads neighbouring rows, not one table lookup per row).
  const sqlite = String(knex.client.config.client).includes('sqlite');
  // The same sums per ISO week (week = its Monday), so that a long range
  // reads its whole weeks as one row each and only its edge days as days.
  for (const [name, key, comment] of [
    ['devex_delivery_days', 'day', 'Per scope and day'],
    [
      'devex_delivery_weeks',
      'week',
      'Per scope and ISO week (sum of its days)',
    ],
  ]) {
    const dayColumn = key === 'day' ? 'day varchar(10) NOT NULL,' : '';
    if (sqlite) {
      await knex.raw(`CREATE TABLE ${name} (
        ${dayColumn}
        scope varchar(255) NOT NULL,
        week varchar(10) NOT NULL,
        deployments integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        by_incident integer NOT NULL DEFAULT 0,
        by_rollback integer NOT NULL DEFAULT 0,
        rework integer NOT NULL DEFAULT 0,
        lead text,
        without_first integer NOT NULL DEFAULT 0,
        PRIMARY KEY (${key}, scope)
      ) WITHOUT ROWID`);
    } else {
      await knex.schema.createTable(name, table => {
        table.comment(
          `${comment}: production deployments, failures, rework, and lead times of the changes deployed`,
        );
        if (key === 'day') table.string('day', 10).notNullable();
        table.string('scope', 255).notNullable();
        table.string('week', 10).notNullable();
        table.integer('deployments').notNullable().defaultTo(0);
        table.integer('failed').notNullable().defaultTo(0);
        table.integer('by_incident').notNullable().defaultTo(0);
        table.integer('by_rollback').notNullable().defaultTo(0);
        table.integer('rework').notNullable().defaultTo(0);
        table
          .text('lead')
          .comment(
            "lead-time histogram of the changes deployed: 'bucket:count,...' (fine buckets)",
          );
        table
          .integer('without_first')
          .notNullable()
          .defaultTo(0)
          .comment('changes deployed with no first commit time');
        table.primary([key, 'scope']);
      });
    }
  }
  // One team's or component's days and weeks; a week's days.
  await knex.schema.alterTable('devex_delivery_days', table => {
    table.index(['scope', 'day'], 'devex_delivery_days_scope_idx');
    table.index(['scope', 'week'], 'devex_delivery_days_week_idx');
  });
  await knex.schema.alterTable('devex_delivery_weeks', table => {
    table.index(['scope', 'week'], 'devex_delivery_weeks_scope_idx');
  });

  await knex.schema.alterTable('devex_delivery_changes', table => {
    // Not deployed by a range's end: deploy_day null or after it.
    table.index(
      ['deploy_day', 'merge_day', 'scope'],
      'devex_delivery_changes_undeployed_idx',
    );
    // The rollup's upkeep: one scope's changes deployed on some days.
    table.index(
      ['scope', 'deploy_day', 'lead_bucket', 'first_commit_at'],
      'devex_delivery_changes_scope_day_idx',
    );
    // A user's first change, and first N from a day (index-only).
    table.dropIndex(['actor', 'merged_at'], 'devex_delivery_changes_actor_idx');
    table.index(
      ['actor', 'merged_at', 'merge_day'],
      'devex_delivery_changes_actor_idx',
    );
  });

  await knex.schema.alterTable('devex_delivery_deployments', table => {
    // The evidence page: newest production deployments first.
    table.index(
      ['production', 'status', 'time'],
      'devex_delivery_deployments_time_idx',
    );
    // The rollup's upkeep: one scope's deployments of some days.
    table.index(['scope', 'day'], 'devex_delivery_deployments_scope_day_idx');
  });

  await knex('devex_cursors')
    .insert({
      ...MARKER,
      value: JSON.stringify(true),
      updated_at: new Date().toISOString(),
    })
    .onConflict(['source', 'key'])
    .merge();
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex('devex_cursors').where(MARKER).delete();
  await knex.schema.alterTable('devex_delivery_deployments', table => {
    table.dropIndex([], 'devex_delivery_deployments_scope_day_idx');
    table.dropIndex([], 'devex_delivery_deployments_time_idx');
  });
  await knex.schema.alterTable('devex_delivery_changes', table => {
    table.dropIndex([], 'devex_delivery_changes_actor_idx');
    table.index(['actor', 'merged_at'], 'devex_delivery_changes_actor_idx');
    table.dropIndex([], 'devex_delivery_changes_scope_day_idx');
    table.dropIndex([], 'devex_delivery_changes_undeployed_idx');
  });
  await knex.schema.dropTableIfExists('devex_delivery_weeks');
  await knex.schema.dropTable('devex_delivery_days');
};
