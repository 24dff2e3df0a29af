import { Knex } from 'knex';
import { ALL } from '../rollups/contributions';
import { ROLLUP_CHUNK } from './upserts';

/**
 * Who was active per day, ISO week and month, team scope and plugin, as one
 * bitmap per period (devex_active_sets): bit i is the user with ordinal i in
 * devex_actor_ordinals. Distinct users over any range are the bits of the OR
 * of a few bitmaps (the range's whole months, whole weeks and edge days), so
 * "users per plugin over 90 days" reads a few dozen small rows instead of a
 * row per user and period. Kept from the changes of the per-day and
 * per-period active rows, in the same transaction; never served per person.
 */
export const SET_KEY = ['period', 'team', 'plugin', 'start'];

/** One user joining (+1) or leaving (-1) the set of a period. */
export interface SetChange {
  period: string;
  team: string;
  plugin: string;
  start: string;
  actor: string;
  sign: 1 | -1;
}

/** A bitmap without trailing zero bytes (so equal sets are equal bytes). */
function trimmed(bits: Uint8Array): Buffer {
  let end = bits.length;
  while (end > 0 && bits[end - 1] === 0) end--;
  return Buffer.from(bits.subarray(0, end));
}

function withBit(bits: Uint8Array, ordinal: number, on: boolean): Uint8Array {
  const byte = ordinal >> 3;
  let result = bits;
  if (byte >= bits.length) {
    if (!on) return bits;
    result = new Uint8Array(byte + 1);
    result.set(bits);
  }
  if (on) result[byte] |= 1 << (ordinal & 7);
  else result[byte] &= ~(1 << (ordinal & 7));
  return result;
}

/** ORs `bits` into `into` (growing it), and returns the result. */
export function orInto(into: Uint8Array, bits: Uint8Array): Uint8Array {
  let result = into;
  if (bits.length > into.length) {
    result = new Uint8Array(bits.length);
    result.set(into);
  }
  for (let i = 0; i < bits.length; i++) result[i] |= bits[i];
  return result;
}

/** Whether the user with `ordinal` is in the bitmap. */
export function hasBit(bits: Uint8Array, ordinal: number): boolean {
  return ((bits[ordinal >> 3] ?? 0) & (1 << (ordinal & 7))) !== 0;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let v = b; v; v >>= 1) n += v & 1;
  return n;
});

/** How many users a bitmap holds. */
export function usersIn(bits: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) n += POPCOUNT[bits[i]];
  return n;
}

/** The ordinals of `actors`, giving the next free ones to new actors. */
export async function ordinalsOf(
  trx: Knex.Transaction,
  actors: string[],
): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  const wanted = [...new Set(actors)];
  for (let i = 0; i < wanted.length; i += 500) {
    const rows: { actor: string; ordinal: unknown }[] = await trx(
      'devex_actor_ordinals',
    ).whereIn('actor', wanted.slice(i, i + 500));
    rows.forEach(r => result.set(r.actor, Number(r.ordinal)));
  }
  const missing = wanted.filter(a => !result.has(a)).sort();
  if (missing.length === 0) return result;
  const [{ n }] = await trx('devex_actor_ordinals').max({ n: 'ordinal' });
  let next = n === null || n === undefined ? 0 : Number(n) + 1;
  const rows = missing.map(actor => ({ actor, ordinal: next++ }));
  for (let i = 0; i < rows.length; i += ROLLUP_CHUNK) {
    await trx('devex_actor_ordinals').insert(rows.slice(i, i + ROLLUP_CHUNK));
  }
  rows.forEach(r => result.set(r.actor, r.ordinal));
  return result;
}

const keyOf = (r: object) =>
  JSON.stringify(SET_KEY.map(k => String((r as Record<string, unknown>)[k])));

/** Applies joins and leaves to the period bitmaps (read, change, write). */
export async function applySetChanges(
  trx: Knex.Transaction,
  changes: SetChange[],
) {
  if (changes.length === 0) return;
  const ordinals = await ordinalsOf(
    trx,
    changes.map(c => c.actor),
  );
  const groups = new Map<string, { row: SetChange; changes: SetChange[] }>();
  for (const change of changes) {
    const key = keyOf(change);
    const group = groups.get(key);
    if (group) group.changes.push(change);
    else groups.set(key, { row: change, changes: [change] });
  }
  const keys = [...groups.values()].map(g => g.row);
  const stored = new Map<string, Uint8Array>();
  for (let i = 0; i < keys.length; i += ROLLUP_CHUNK) {
    const rows: (Record<string, string> & { users: Uint8Array })[] = await trx(
      'devex_active_sets',
    ).whereIn(
      SET_KEY,
      keys
        .slice(i, i + ROLLUP_CHUNK)
        .map(r => SET_KEY.map(k => r[k as keyof SetChange])) as any,
    );
    rows.forEach(r => stored.set(keyOf(r), new Uint8Array(r.users)));
  }
  const upserts: Record<string, unknown>[] = [];
  const emptied: SetChange[] = [];
  for (const [key, group] of groups) {
    let bits = stored.get(key) ?? new Uint8Array(0);
    for (const change of group.changes) {
      bits = withBit(bits, ordinals.get(change.actor)!, change.sign > 0);
    }
    const users = trimmed(bits);
    const { period, team, plugin, start } = group.row;
    if (users.length > 0) upserts.push({ period, team, plugin, start, users });
    else if (stored.has(key)) emptied.push(group.row);
  }
  for (let i = 0; i < upserts.length; i += ROLLUP_CHUNK) {
    await trx('devex_active_sets')
      .insert(upserts.slice(i, i + ROLLUP_CHUNK))
      .onConflict(SET_KEY)
      .merge(['users']);
  }
  for (let i = 0; i < emptied.length; i += ROLLUP_CHUNK) {
    await trx('devex_active_sets')
      .whereIn(
        SET_KEY,
        emptied
          .slice(i, i + ROLLUP_CHUNK)
          .map(r => SET_KEY.map(k => r[k as keyof SetChange])) as any,
      )
      .delete();
  }
}

const PAGE = 20_000;

/**
 * Derives the bitmaps from the per-day active rows and the per-period ones
 * (the rebuild's last step, the bulk loader's and the migration's), a page
 * at a time in key order. Ordinals are kept: they are a dictionary, not a
 * rollup, and new actors get the next free ones.
 */
export async function deriveActiveSets(trx: Knex.Transaction) {
  await trx('devex_active_sets').delete();
  const actors: string[] = (
    await trx('devex_rollup_active')
      .where({ team: ALL, plugin: ALL })
      .distinct('actor')
  ).map((r: { actor: string }) => r.actor);
  const ordinals = await ordinalsOf(trx, actors);
  const sources: [string, string[], string | undefined][] = [
    ['devex_rollup_active', ['team', 'plugin', 'day', 'actor'], 'day'],
    [
      'devex_active_periods',
      ['period', 'team', 'plugin', 'start', 'actor'],
      undefined,
    ],
  ];
  for (const [table, key, period] of sources) {
    let after: string[] | undefined;
    let current: { row: Record<string, string>; bits: Uint8Array } | undefined;
    const pending: Record<string, unknown>[] = [];
    const flush = async (all: boolean) => {
      if (current && all) {
        pending.push({ ...current.row, users: trimmed(current.bits) });
        current = undefined;
      }
      while (pending.length >= (all ? 1 : ROLLUP_CHUNK)) {
        await trx('devex_active_sets').insert(pending.splice(0, ROLLUP_CHUNK));
      }
    };
    for (;;) {
      const q = trx(table).select(key).orderBy(key).limit(PAGE);
      if (after) {
        q.whereRaw(
          `(${key.map(() => '??').join(', ')}) > (${key
            .map(() => '?')
            .join(', ')})`,
          [...key, ...after],
        );
      }
      const rows: Record<string, string>[] = await q;
      if (rows.length === 0) break;
      for (const r of rows) {
        const row = {
          period: period ?? r.period,
          team: r.team,
          plugin: r.plugin,
          start: period ? r.day : r.start,
        };
        if (!current || keyOf(current.row) !== keyOf(row)) {
          if (current) {
            pending.push({ ...current.row, users: trimmed(current.bits) });
          }
          current = { row, bits: new Uint8Array(0) };
        }
        current.bits = withBit(current.bits, ordinals.get(r.actor)!, true);
      }
      await flush(false);
      const last = rows[rows.length - 1];
      after = key.map(k => String(last[k]));
    }
    await flush(true);
  }
}
