/*
 * The delivery index's tables, the fact rows it reads, and the helpers its
 * writes share: attribute parsing and batched upserts.
 */
import { Knex } from 'knex';

export const DEPLOYMENTS = 'devex_delivery_deployments';
export const CHANGES = 'devex_delivery_changes';
export const INCIDENTS = 'devex_delivery_incidents';
export const ADOPTION = 'devex_delivery_adoption';

const WRITE_BATCH = 200;

export interface FactRow {
  id: number;
  kind: string;
  time: string;
  actor: string | null;
  teams: string;
  entity_ref: string | null;
  subject: string | null;
  value: number | null;
  attributes: string;
  received_at: string;
}

export type Attrs = Record<string, unknown>;

export const lower = (ref: string) => ref.toLocaleLowerCase('en-US');
export const text = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? v : null;
export const iso = (v: unknown): string | null => {
  const s = text(v);
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};
export const ms = (t: string) => Date.parse(t);
export const bool = (v: unknown) =>
  v === true || v === 1 || v === '1' || v === 't';

/** Whether fact a supersedes row b (later time; a later id breaks ties). */
export function newer(
  time: string,
  id: number,
  row: { time: string; fact_id: unknown },
) {
  return time > row.time || (time === row.time && id >= Number(row.fact_id));
}

/** Writes derived columns of whole rows read before, in a few statements. */
export async function upsertDerived(
  trx: Knex.Transaction,
  table: string,
  rows: Record<string, unknown>[],
  columns: string[],
) {
  for (let i = 0; i < rows.length; i += WRITE_BATCH) {
    await trx(table)
      .insert(rows.slice(i, i + WRITE_BATCH))
      .onConflict('subject')
      .merge(columns);
  }
}

export async function upsert(
  trx: Knex.Transaction,
  table: string,
  key: string | string[],
  rows: Record<string, unknown>[],
) {
  for (let i = 0; i < rows.length; i += WRITE_BATCH) {
    await trx(table)
      .insert(rows.slice(i, i + WRITE_BATCH))
      .onConflict(key as string)
      .merge();
  }
}
