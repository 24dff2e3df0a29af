/*
 * The rows the bulk loader writes: the store's columns for facts and rollups,
 * inserted with one prepared statement (SQLite) or one `unnest` statement per
 * 2,000 rows (PostgreSQL).
 */
import { Knex } from 'knex';
import {
  activeRow,
  RollupDeltas,
  StoredFact,
} from '../../plugins/devex-backend/src/rollups/contributions';

/** Columns and PostgreSQL types of the tables the loader writes. */
const TABLES: Record<string, [string, string][]> = {
  devex_facts: [
    ['id', 'bigint'],
    ['source_id', 'text'],
    ['source', 'text'],
    ['kind', 'text'],
    ['time', 'text'],
    ['day', 'text'],
    ['actor', 'text'],
    ['teams', 'text'],
    ['entity_ref', 'text'],
    ['template_ref', 'text'],
    ['capability_ref', 'text'],
    ['subject', 'text'],
    ['value', 'float8'],
    ['attributes', 'text'],
    ['received_at', 'text'],
  ],
  devex_subjects: [
    ['kind', 'text'],
    ['subject', 'text'],
    ['fact_id', 'bigint'],
    ['time', 'text'],
  ],
  devex_rollup_daily: [
    ['metric', 'text'],
    ['team', 'text'],
    ['dim', 'text'],
    ['day', 'text'],
    ['dim_value', 'text'],
    ['count', 'bigint'],
    ['sum', 'float8'],
  ],
  devex_rollup_histogram: [
    ['metric', 'text'],
    ['team', 'text'],
    ['dim', 'text'],
    ['day', 'text'],
    ['dim_value', 'text'],
    ['bucket', 'int'],
    ['count', 'bigint'],
  ],
  devex_rollup_active: [
    ['team', 'text'],
    ['plugin', 'text'],
    ['day', 'text'],
    ['actor', 'text'],
    ['week', 'text'],
    ['month', 'text'],
    ['events', 'bigint'],
  ],
};

export function rowOf(fact: StoredFact, receivedAt: string): unknown[] {
  return [
    fact.id,
    fact.sourceId,
    fact.source,
    fact.kind,
    fact.time,
    fact.day,
    fact.actor ?? null,
    JSON.stringify(fact.teams),
    fact.entityRef ?? null,
    fact.templateRef ?? null,
    fact.capabilityRef ?? null,
    fact.subject ?? null,
    fact.value ?? null,
    JSON.stringify(fact.attributes),
    receivedAt,
  ];
}

/** Plain inserts of many rows: a prepared statement, or `unnest` on pg. */
export async function insertRows(
  trx: Knex.Transaction,
  postgres: boolean,
  table: string,
  rows: unknown[][],
) {
  const columns = TABLES[table];
  const names = columns.map(([name]) => name).join(', ');
  if (!postgres) {
    const connection = (await trx.client.acquireConnection()) as {
      prepare(sql: string): { run(...values: unknown[]): unknown };
    };
    const statement = connection.prepare(
      `INSERT INTO ${table} (${names}) VALUES (${columns
        .map(() => '?')
        .join(', ')})`,
    );
    for (const row of rows) statement.run(...row);
    return;
  }
  // The pg client itself: knex would spread array bindings into lists.
  const connection = (await trx.client.acquireConnection()) as {
    query(sql: string, values: unknown[]): Promise<unknown>;
  };
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000);
    await connection.query(
      `INSERT INTO ${table} (${names})
       SELECT * FROM unnest(${columns
         .map(([, type], n) => `$${n + 1}::${type}[]`)
         .join(', ')})`,
      columns.map((_, c) => chunk.map(row => row[c])),
    );
  }
}

/** The rollup rows of one day's deltas (all new: rows are keyed by day). */
export function rollupRows(deltas: RollupDeltas) {
  return {
    devex_rollup_daily: [...deltas.daily.values()]
      .filter(d => d.count !== 0 || d.sum !== 0)
      .map(d => [d.metric, d.team, d.dim, d.day, d.dimValue, d.count, d.sum]),
    devex_rollup_histogram: [...deltas.histogram.values()]
      .filter(d => d.count !== 0)
      .map(d => [
        d.metric,
        d.team,
        d.dim,
        d.day,
        d.dimValue,
        d.bucket,
        d.count,
      ]),
    devex_rollup_active: [...deltas.active.values()]
      .filter(d => d.events !== 0)
      .map(d => {
        const row = activeRow(d);
        return [
          row.team,
          row.plugin,
          row.day,
          row.actor,
          row.week,
          row.month,
          row.events,
        ];
      }),
  };
}
