/*
 * The devex plugin's tables: the append-only facts, the rollups that
 * dashboards read, the catalog directory (membership over time), and the
 * sources' cursors. Times are ISO 8601 strings in UTC and days are
 * `YYYY-MM-DD` in the reporting time zone, so that they sort and compare the
 * same on SQLite and PostgreSQL.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('devex_facts', table => {
    table.comment('Append-only facts; a sourceId is stored at most once');
    table.bigIncrements('id').primary();
    table.string('source_id', 255).notNullable().unique();
    table.string('source', 100).notNullable();
    table.string('kind', 100).notNullable();
    table.string('time', 30).notNullable();
    table
      .string('day', 10)
      .notNullable()
      .comment('day of time, reporting time zone');
    table.string('actor', 255);
    table.text('teams').notNullable().comment('JSON array of group refs');
    table.string('entity_ref', 255);
    table.string('template_ref', 255);
    table.string('capability_ref', 255);
    table.string('subject', 255);
    table.double('value');
    table.text('attributes').notNullable().comment('JSON object');
    table.string('received_at', 30).notNullable();
    table.index(['kind', 'day', 'id'], 'devex_facts_kind_day_idx');
    table.index(['day', 'id'], 'devex_facts_day_idx');
    table.index(['kind', 'subject', 'time'], 'devex_facts_subject_idx');
  });

  await knex.schema.createTable('devex_subjects', table => {
    table.comment('The fact that currently counts for each (kind, subject)');
    table.string('kind', 100).notNullable();
    table.string('subject', 255).notNullable();
    table.bigInteger('fact_id').notNullable().index();
    table.string('time', 30).notNullable();
    table.primary(['kind', 'subject']);
  });

  await knex.schema.createTable('devex_rollup_daily', table => {
    table.comment(
      'Counts and sums per metric, day, team (* = all) and dimension',
    );
    table.string('metric', 100).notNullable();
    table.string('team', 255).notNullable();
    table.string('dim', 50).notNullable();
    table.string('day', 10).notNullable();
    table.string('dim_value', 800).notNullable();
    table.bigInteger('count').notNullable();
    table.double('sum').notNullable();
    table.primary(['metric', 'team', 'dim', 'day', 'dim_value']);
  });

  await knex.schema.createTable('devex_rollup_histogram', table => {
    table.comment(
      'Log-scale histogram buckets of durations per metric, day, team and dimension',
    );
    table.string('metric', 100).notNullable();
    table.string('team', 255).notNullable();
    table.string('dim', 50).notNullable();
    table.string('day', 10).notNullable();
    table.string('dim_value', 255).notNullable();
    table.integer('bucket').notNullable();
    table.bigInteger('count').notNullable();
    table.primary(['metric', 'team', 'dim', 'day', 'dim_value', 'bucket']);
  });

  await knex.schema.createTable('devex_rollup_active', table => {
    table.comment(
      'Who was active on a day, per team (* = all) and plugin (* = all); never served per person',
    );
    table.string('team', 255).notNullable();
    table.string('plugin', 100).notNullable();
    table.string('day', 10).notNullable();
    table.string('actor', 255).notNullable();
    table.string('week', 10).notNullable().comment('Monday of the ISO week');
    table.string('month', 10).notNullable().comment('first day of the month');
    table.bigInteger('events').notNullable();
    table.primary(['team', 'plugin', 'day', 'actor']);
    table.index(
      ['team', 'plugin', 'week', 'actor'],
      'devex_rollup_active_week_idx',
    );
    table.index(
      ['team', 'plugin', 'month', 'actor'],
      'devex_rollup_active_month_idx',
    );
    table.index(
      ['team', 'plugin', 'actor', 'day'],
      'devex_rollup_active_actor_idx',
    );
  });

  await knex.schema.createTable('devex_source_stats', table => {
    table.comment(
      'Facts stored per source and kind, for "which source is missing"',
    );
    table.string('source', 100).notNullable();
    table.string('kind', 100).notNullable();
    table.bigInteger('facts').notNullable();
    table.string('last_fact_at', 30).notNullable();
    table.primary(['source', 'kind']);
  });

  await knex.schema.createTable('devex_cursors', table => {
    table.comment('Durable positions of the sources');
    table.string('source', 100).notNullable();
    table.string('key', 255).notNullable();
    table.text('value').notNullable();
    table.string('updated_at', 30).notNullable();
    table.primary(['source', 'key']);
  });

  await knex.schema.createTable('devex_directory_users', table => {
    table.comment(
      'Catalog users (eligible users), as of the last directory sync',
    );
    table.string('ref', 255).primary();
    table.string('title', 255);
    table.string('first_seen_at', 30).notNullable();
    table
      .string('removed_at', 30)
      .comment('null while the user is in the catalog');
  });

  await knex.schema.createTable('devex_directory_groups', table => {
    table.comment('Catalog groups (teams), as of the last directory sync');
    table.string('ref', 255).primary();
    table.string('title', 255);
    table
      .string('removed_at', 30)
      .comment('null while the group is in the catalog');
  });

  await knex.schema.createTable('devex_memberships', table => {
    table.comment('Team membership over time: [valid_from, valid_to)');
    table.increments('id').primary();
    table.string('user_ref', 255).notNullable();
    table.string('group_ref', 255).notNullable();
    table.string('valid_from', 30).notNullable();
    table.string('valid_to', 30).comment('null while the membership holds');
    table.index(['user_ref', 'valid_from'], 'devex_memberships_user_idx');
    table.index(['group_ref', 'valid_to'], 'devex_memberships_group_idx');
  });

  await knex.schema.createTable('devex_meta', table => {
    table.comment('Store-wide settings: retained_from, directory state');
    table.string('key', 100).primary();
    table.text('value').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const table of [
    'devex_meta',
    'devex_memberships',
    'devex_directory_groups',
    'devex_directory_users',
    'devex_cursors',
    'devex_source_stats',
    'devex_rollup_active',
    'devex_rollup_histogram',
    'devex_rollup_daily',
    'devex_subjects',
    'devex_facts',
  ]) {
    await knex.schema.dropTable(table);
  }
};
