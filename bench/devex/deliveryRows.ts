/*
 * The delivery benchmark's rows: the index tables' columns (as the migration
 * makes them) and the plain bulk insert into them.
 */
import { Knex } from 'knex';

/** Columns (PostgreSQL types) of the index tables, as the migration makes them. */
const TABLES: Record<string, [string, string][]> = {
  devex_delivery_deployments: [
    ['subject', 'text'],
    ['fact_id', 'bigint'],
    ['repo', 'text'],
    ['component', 'text'],
    ['scope', 'text'],
    ['environment', 'text'],
    ['production', 'bool'],
    ['status', 'text'],
    ['sha', 'text'],
    ['url', 'text'],
    ['actor', 'text'],
    ['time', 'text'],
    ['created_at', 'text'],
    ['day', 'text'],
    ['week', 'text'],
    ['failed', 'bool'],
    ['failed_incident', 'text'],
    ['failed_rollback', 'text'],
    ['rework', 'bool'],
    ['rework_incident', 'text'],
  ],
  devex_delivery_changes: [
    ['subject', 'text'],
    ['fact_id', 'bigint'],
    ['repo', 'text'],
    ['component', 'text'],
    ['scope', 'text'],
    ['number', 'int'],
    ['url', 'text'],
    ['actor', 'text'],
    ['merged_at', 'text'],
    ['merge_day', 'text'],
    ['first_commit_at', 'text'],
    ['merge_sha', 'text'],
    ['deployment', 'text'],
    ['deployed_at', 'text'],
    ['deploy_created_at', 'text'],
    ['deploy_day', 'text'],
    ['deploy_week', 'text'],
    ['lead_seconds', 'float8'],
    ['lead_bucket', 'int'],
  ],
  devex_delivery_incidents: [
    ['subject', 'text'],
    ['fact_id', 'bigint'],
    ['component', 'text'],
    ['title', 'text'],
    ['url', 'text'],
    ['severity', 'text'],
    ['opened_at', 'text'],
    ['open_day', 'text'],
    ['last_opened_at', 'text'],
    ['resolved_at', 'text'],
    ['resolved_day', 'text'],
    ['resolved_week', 'text'],
    ['recovery_seconds', 'float8'],
    ['recovery_bucket', 'int'],
    ['deployment', 'text'],
  ],
  devex_delivery_adoption: [
    ['kind', 'text'],
    ['ref', 'text'],
    ['first_at', 'text'],
    ['first_by', 'text'],
  ],
};

export type Row = Record<string, any>;

/** Plain inserts: one prepared statement (SQLite), `unnest` per 2,000 rows (pg). */
export async function insert(
  trx: Knex.Transaction,
  postgres: boolean,
  table: string,
  rows: Row[],
) {
  if (rows.length === 0) return;
  const columns = TABLES[table];
  const names = columns.map(([name]) => name).join(', ');
  const values = (row: Row) =>
    columns.map(([name, type]) => {
      const v = row[name] ?? null;
      return type === 'bool' && !postgres ? (v ? 1 : 0) : v;
    });
  if (!postgres) {
    const connection = (await trx.client.acquireConnection()) as {
      prepare(sql: string): { run(...values: unknown[]): unknown };
    };
    const statement = connection.prepare(
      `INSERT INTO ${table} (${names}) VALUES (${columns
        .map(() => '?')
        .join(', ')})`,
    );
    for (const row of rows) statement.run(...values(row));
    return;
  }
  // The pg client itself: knex would spread array bindings into lists.
  const connection = (await trx.client.acquireConnection()) as {
    query(sql: string, values: unknown[]): Promise<unknown>;
  };
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000).map(values);
    await connection.query(
      `INSERT INTO ${table} (${names})
       SELECT * FROM unnest(${columns
         .map(([, type], n) => `$${n + 1}::${type}[]`)
         .join(', ')})`,
      columns.map((_, c) => chunk.map(row => row[c])),
    );
  }
}
