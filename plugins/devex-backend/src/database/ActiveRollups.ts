import { Knex } from 'knex';
import { ALL } from '../rollups/contributions';
import { weekOf } from '../rollups/days';
import { applySetChanges, SetChange } from './ActiveSets';
import {
  CountedChanges,
  deleteRows,
  ROLLUP_CHUNK,
  upsertCounted,
} from './upserts';

/** A change of one per-day active row: (team, plugin, day, actor) += events. */
export interface ActiveDayRow {
  team: string;
  plugin: string;
  day: string;
  week: string;
  month: string;
  actor: string;
  events: number;
}

const PERIOD_KEY = ['period', 'team', 'plugin', 'start', 'actor'];
const COUNT_KEY = ['period', 'team', 'plugin', 'start'];

/**
 * Keeps the distinct-user tables in step with a change of the per-day active
 * rows: a user's week and month rows gain the events, the counts of users
 * per day, week and month move by the rows that appeared or vanished, so do
 * the user bitmaps of those days, weeks and months, and first-seen days
 * follow. Nothing here reads raw facts.
 */
export async function applyActiveChanges(
  trx: Knex.Transaction,
  dayRows: ActiveDayRow[],
  days: CountedChanges,
) {
  if (dayRows.length === 0) return;
  const periods = new Map<string, Record<string, string | number>>();
  for (const row of dayRows) {
    for (const [period, start] of [
      ['week', row.week],
      ['month', row.month],
    ]) {
      const key = JSON.stringify([
        period,
        row.team,
        row.plugin,
        start,
        row.actor,
      ]);
      const entry = periods.get(key);
      if (entry) entry.events = Number(entry.events) + row.events;
      else
        periods.set(key, {
          period,
          team: row.team,
          plugin: row.plugin,
          start,
          actor: row.actor,
          events: row.events,
        });
    }
  }
  const periodRows = [...periods.values()].filter(r => r.events !== 0);
  const weeksMonths = await upsertCounted(
    trx,
    'devex_active_periods',
    PERIOD_KEY,
    periodRows,
    'events',
  );

  const counts = new Map<string, Record<string, string | number>>();
  const count = (
    period: string,
    row: Record<string, unknown> | ActiveDayRow,
    start: string,
    users: number,
    events: number,
  ) => {
    const key = JSON.stringify([period, row.team, row.plugin, start]);
    const entry = counts.get(key);
    if (entry) {
      entry.users = Number(entry.users) + users;
      entry.events = Number(entry.events) + events;
    } else {
      counts.set(key, {
        period,
        team: String(row.team),
        plugin: String(row.plugin),
        start,
        users,
        events,
      });
    }
  };
  for (const row of dayRows) count('day', row, row.day, 0, row.events);
  for (const row of days.created) count('day', row, String(row.day), 1, 0);
  for (const row of days.removed) count('day', row, String(row.day), -1, 0);
  for (const row of periodRows)
    count(String(row.period), row, String(row.start), 0, Number(row.events));
  for (const row of weeksMonths.created)
    count(String(row.period), row, String(row.start), 1, 0);
  for (const row of weeksMonths.removed)
    count(String(row.period), row, String(row.start), -1, 0);
  const countRows = [...counts.values()].filter(
    r => r.users !== 0 || r.events !== 0,
  );
  const add = (column: string) =>
    trx.raw('?? + ??', [`devex_active_counts.${column}`, `excluded.${column}`]);
  const emptied: Record<string, string | number>[] = [];
  for (let i = 0; i < countRows.length; i += ROLLUP_CHUNK) {
    const stored: Record<string, string | number>[] = await trx(
      'devex_active_counts',
    )
      .insert(countRows.slice(i, i + ROLLUP_CHUNK))
      .onConflict(COUNT_KEY)
      .merge({ users: add('users'), events: add('events') })
      .returning([...COUNT_KEY, 'users']);
    emptied.push(...stored.filter(r => Number(r.users) <= 0));
  }
  await deleteRows(trx, 'devex_active_counts', COUNT_KEY, emptied);

  const sets: SetChange[] = [];
  const change = (
    row: Record<string, unknown>,
    period: string,
    start: unknown,
    sign: 1 | -1,
  ) =>
    sets.push({
      period,
      team: String(row.team),
      plugin: String(row.plugin),
      start: String(start),
      actor: String(row.actor),
      sign,
    });
  for (const row of days.created) change(row, 'day', row.day, 1);
  for (const row of days.removed) change(row, 'day', row.day, -1);
  for (const row of weeksMonths.created)
    change(row, String(row.period), row.start, 1);
  for (const row of weeksMonths.removed)
    change(row, String(row.period), row.start, -1);
  await applySetChanges(trx, sets);

  await updateFirstSeen(trx, days);
}

async function updateFirstSeen(trx: Knex.Transaction, days: CountedChanges) {
  const everywhere = (r: Record<string, unknown>) =>
    r.team === ALL && r.plugin === ALL;
  const first = new Map<string, string>();
  for (const row of days.created.filter(everywhere)) {
    const actor = String(row.actor);
    const day = String(row.day);
    const before = first.get(actor);
    if (!before || day < before) first.set(actor, day);
  }
  const rows = [...first].map(([actor, day]) => ({
    actor,
    day,
    week: weekOf(day),
  }));
  if (rows.length > 0) {
    const pick = (column: string) =>
      trx.raw('CASE WHEN ?? < ?? THEN ?? ELSE ?? END', [
        'excluded.day',
        'devex_first_seen.day',
        `excluded.${column}`,
        `devex_first_seen.${column}`,
      ]);
    for (let i = 0; i < rows.length; i += ROLLUP_CHUNK) {
      await trx('devex_first_seen')
        .insert(rows.slice(i, i + ROLLUP_CHUNK))
        .onConflict('actor')
        .merge({ day: pick('day'), week: pick('week') });
    }
  }
  // A user's first day can only move later when its row vanished (a
  // superseded fact): read it again from the remaining per-day rows.
  const gone = [
    ...new Set(days.removed.filter(everywhere).map(r => String(r.actor))),
  ];
  for (let i = 0; i < gone.length; i += ROLLUP_CHUNK) {
    const actors = gone.slice(i, i + ROLLUP_CHUNK);
    await trx('devex_first_seen').whereIn('actor', actors).delete();
    await trx.raw(
      `INSERT INTO devex_first_seen (actor, day, week)
       SELECT actor, MIN(day), MIN(week) FROM devex_rollup_active
       WHERE team = ? AND plugin = ? AND actor IN (${actors
         .map(() => '?')
         .join(', ')})
       GROUP BY actor`,
      [ALL, ALL, ...actors],
    );
  }
}

/**
 * Derives the distinct-user tables from the per-day active rows in three
 * grouped statements (the rebuild's last step, and the migration's).
 */
export async function deriveActivePeriods(trx: Knex.Transaction) {
  for (const table of [
    'devex_active_periods',
    'devex_active_counts',
    'devex_first_seen',
  ]) {
    await trx(table).delete();
  }
  for (const period of ['week', 'month']) {
    await trx.raw(
      `INSERT INTO devex_active_periods (period, team, plugin, start, actor, events)
       SELECT ?, team, plugin, ??, actor, SUM(events) FROM devex_rollup_active
       GROUP BY team, plugin, ??, actor`,
      [period, period, period],
    );
  }
  await trx.raw(
    `INSERT INTO devex_active_counts (period, team, plugin, start, users, events)
     SELECT 'day', team, plugin, day, COUNT(*), SUM(events) FROM devex_rollup_active
     GROUP BY team, plugin, day`,
  );
  await trx.raw(
    `INSERT INTO devex_active_counts (period, team, plugin, start, users, events)
     SELECT period, team, plugin, start, COUNT(*), SUM(events) FROM devex_active_periods
     GROUP BY period, team, plugin, start`,
  );
  await trx.raw(
    `INSERT INTO devex_first_seen (actor, day, week)
     SELECT actor, MIN(day), MIN(week) FROM devex_rollup_active
     WHERE team = ? AND plugin = ? GROUP BY actor`,
    [ALL, ALL],
  );
}
