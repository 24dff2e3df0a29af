/*
 * User bitmaps per day, ISO week and month, team scope (* = all) and plugin
 * (* = all), so that distinct users over a range (overall, per team, per
 * plugin) are the bits of an OR of a few rows instead of a count over a row
 * per user and period:
 * - devex_actor_ordinals: each active user's bit number (a dictionary, kept
 *   by rebuilds);
 * - devex_active_sets: one bitmap per (period, team, plugin, start).
 * Filled here from devex_rollup_active (days) and devex_active_periods
 * (weeks and months), a page at a time in key order.
 */

const PAGE = 20000;
const CHUNK = 120;

function trimmed(bits) {
  let end = bits.length;
  while (end > 0 && bits[end - 1] === 0) end--;
  return Buffer.from(bits.subarray(0, end));
}

function withBit(bits, ordinal) {
  const byte = ordinal >> 3;
  let result = bits;
  if (byte >= bits.length) {
    result = new Uint8Array(byte + 1);
    result.set(bits);
  }
  result[byte] |= 1 << (ordinal & 7);
  return result;
}

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('devex_actor_ordinals', table => {
    table.comment('Bit number of each active user in devex_active_sets');
    table.string('actor', 255).primary();
    table.integer('ordinal').notNullable().unique();
  });
  await knex.schema.createTable('devex_active_sets', table => {
    table.comment(
      'Bitmap of the users active per day, week or month, team (* = all) and plugin (* = all); never served per person',
    );
    table.string('period', 10).notNullable().comment('day | week | month');
    table.string('team', 255).notNullable();
    table.string('plugin', 100).notNullable();
    table
      .string('start', 10)
      .notNullable()
      .comment(
        'the day, the Monday of the ISO week, or the first of the month',
      );
    table.binary('users').notNullable().comment('bit i = ordinal i');
    table.primary(['period', 'team', 'plugin', 'start']);
  });

  const actors = (
    await knex('devex_rollup_active')
      .where({ team: '*', plugin: '*' })
      .distinct('actor')
      .orderBy('actor')
  ).map(r => r.actor);
  const ordinals = new Map(actors.map((actor, i) => [actor, i]));
  for (let i = 0; i < actors.length; i += CHUNK) {
    await knex('devex_actor_ordinals').insert(
      actors.slice(i, i + CHUNK).map(actor => ({
        actor,
        ordinal: ordinals.get(actor),
      })),
    );
  }
  for (const [table, key, period] of [
    ['devex_rollup_active', ['team', 'plugin', 'day', 'actor'], 'day'],
    ['devex_active_periods', ['period', 'team', 'plugin', 'start', 'actor']],
  ]) {
    let after;
    let current;
    const pending = [];
    const flush = async all => {
      if (current && all) {
        pending.push({ ...current.row, users: trimmed(current.bits) });
        current = undefined;
      }
      while (pending.length >= (all ? 1 : CHUNK)) {
        await knex('devex_active_sets').insert(pending.splice(0, CHUNK));
      }
    };
    for (;;) {
      const q = knex(table).select(key).orderBy(key).limit(PAGE);
      if (after) {
        q.whereRaw(
          `(${key.map(() => '??').join(', ')}) > (${key
            .map(() => '?')
            .join(', ')})`,
          [...key, ...after],
        );
      }
      const rows = await q;
      if (rows.length === 0) break;
      for (const r of rows) {
        const row = {
          period: period ?? r.period,
          team: r.team,
          plugin: r.plugin,
          start: period ? r.day : r.start,
        };
        const same =
          current &&
          current.row.period === row.period &&
          current.row.team === row.team &&
          current.row.plugin === row.plugin &&
          current.row.start === row.start;
        if (!same) {
          if (current) {
            pending.push({ ...current.row, users: trimmed(current.bits) });
          }
          current = { row, bits: new Uint8Array(0) };
        }
        current.bits = withBit(current.bits, ordinals.get(r.actor));
      }
      await flush(false);
      const last = rows[rows.length - 1];
      after = key.map(k => String(last[k]));
    }
    await flush(true);
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('devex_active_sets');
  await knex.schema.dropTable('devex_actor_ordinals');
};
