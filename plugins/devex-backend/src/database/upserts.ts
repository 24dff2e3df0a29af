import { Knex } from 'knex';

/** Rows per multi-row statement, below SQLite's 999 bound variables. */
export const ROLLUP_CHUNK = 120;

type Row = Record<string, string | number>;

/** Where an upsert of additive rows made rows appear or vanish. */
export interface CountedChanges {
  created: Row[];
  removed: Row[];
}

const keyOf = (key: string[], row: Record<string, unknown>) =>
  JSON.stringify(key.map(k => String(row[k])));

/**
 * Adds `rows[column]` to the rows of `table` with the same `key`, in one
 * upsert per chunk, and reports which rows it created (the stored value is
 * the delta itself: rows never stay at zero) and which it took to zero or
 * below (deleted here, so that a row always means "something counts").
 */
export async function upsertCounted(
  trx: Knex.Transaction,
  table: string,
  key: string[],
  rows: Row[],
  column: string,
): Promise<CountedChanges> {
  const changes: CountedChanges = { created: [], removed: [] };
  const deltas = new Map(rows.map(r => [keyOf(key, r), Number(r[column])]));
  for (let i = 0; i < rows.length; i += ROLLUP_CHUNK) {
    const stored: Row[] = await trx(table)
      .insert(rows.slice(i, i + ROLLUP_CHUNK))
      .onConflict(key)
      .merge({
        [column]: trx.raw('?? + ??', [
          `${table}.${column}`,
          `excluded.${column}`,
        ]),
      })
      .returning([...key, column]);
    for (const row of stored) {
      const value = Number(row[column]);
      const delta = deltas.get(keyOf(key, row)) ?? 0;
      if (value <= 0) changes.removed.push(row);
      else if (delta > 0 && value === delta) changes.created.push(row);
    }
  }
  await deleteRows(trx, table, key, changes.removed);
  return changes;
}

/** Deletes the rows of `table` whose `key` equals one of `rows`. */
export async function deleteRows(
  trx: Knex.Transaction,
  table: string,
  key: string[],
  rows: Row[],
) {
  for (let i = 0; i < rows.length; i += ROLLUP_CHUNK) {
    await trx(table)
      .whereIn(
        key,
        rows.slice(i, i + ROLLUP_CHUNK).map(r => key.map(k => r[k])) as any,
      )
      .delete();
  }
}
