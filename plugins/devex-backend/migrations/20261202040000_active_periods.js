/*
 * Distinct-user rollups, so that no adoption question counts distinct users
 * over per-day rows at read time:
 * - devex_active_periods: who was active in an ISO week or a calendar month,
 *   per team scope (* = all) and plugin (* = all);
 * - devex_active_counts: how many users (and events) per day, week and month
 *   and scope, kept as rows appear and disappear;
 * - devex_first_seen: each user's first active day (any team, any plugin).
 * All three are derived from devex_rollup_active (the per-day rows) and are
 * filled from it here.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('devex_active_periods', table => {
    table.comment(
      'Who was active in a week or month, per team (* = all) and plugin (* = all); never served per person',
    );
    table.string('period', 10).notNullable().comment('week | month');
    table.string('team', 255).notNullable();
    table.string('plugin', 100).notNullable();
    table
      .string('start', 10)
      .notNullable()
      .comment('Monday of the ISO week, or the first day of the month');
    table.string('actor', 255).notNullable();
    table.bigInteger('events').notNullable();
    table.primary(['period', 'team', 'plugin', 'start', 'actor']);
    table.index(
      ['period', 'team', 'plugin', 'actor', 'start'],
      'devex_active_periods_actor_idx',
    );
  });

  await knex.schema.createTable('devex_active_counts', table => {
    table.comment(
      'Distinct active users and events per day, week or month, team (* = all) and plugin (* = all)',
    );
    table.string('period', 10).notNullable().comment('day | week | month');
    table.string('team', 255).notNullable();
    table.string('plugin', 100).notNullable();
    table.string('start', 10).notNullable();
    table.bigInteger('users').notNullable();
    table.bigInteger('events').notNullable();
    table.primary(['period', 'team', 'plugin', 'start']);
  });

  await knex.schema.createTable('devex_first_seen', table => {
    table.comment('First active day of each user, in any team and plugin');
    table.string('actor', 255).primary();
    table.string('day', 10).notNullable();
    table.string('week', 10).notNullable().comment('Monday of the ISO week');
    table.index(['week', 'day'], 'devex_first_seen_week_idx');
    table.index(['day'], 'devex_first_seen_day_idx');
  });

  for (const [period, column] of [
    ['week', 'week'],
    ['month', 'month'],
  ]) {
    await knex.raw(
      `INSERT INTO devex_active_periods (period, team, plugin, start, actor, events)
       SELECT ?, team, plugin, ??, actor, SUM(events) FROM devex_rollup_active
       GROUP BY team, plugin, ??, actor`,
      [period, column, column],
    );
  }
  await knex.raw(
    `INSERT INTO devex_active_counts (period, team, plugin, start, users, events)
     SELECT 'day', team, plugin, day, COUNT(*), SUM(events) FROM devex_rollup_active
     GROUP BY team, plugin, day`,
  );
  await knex.raw(
    `INSERT INTO devex_active_counts (period, team, plugin, start, users, events)
     SELECT period, team, plugin, start, COUNT(*), SUM(events) FROM devex_active_periods
     GROUP BY period, team, plugin, start`,
  );
  await knex.raw(
    `INSERT INTO devex_first_seen (actor, day, week)
     SELECT actor, MIN(day), MIN(week) FROM devex_rollup_active
     WHERE team = '*' AND plugin = '*' GROUP BY actor`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('devex_first_seen');
  await knex.schema.dropTable('devex_active_counts');
  await knex.schema.dropTable('devex_active_periods');
};
