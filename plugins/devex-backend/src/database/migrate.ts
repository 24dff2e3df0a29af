import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** The plugin's knex migrations, and the table knex records them in. */
export const MIGRATIONS_DIR = resolvePackagePath(
  '@trellis/backstage-plugin-devex-backend',
  'migrations',
);
export const MIGRATIONS_TABLE = 'devex_knex_migrations';

/** Whether a client is SQLite (better-sqlite3 or sqlite3). */
export const isSqlite = (db: Knex): boolean =>
  String(db.client.config.client).includes('sqlite');

/**
 * The plugin's database client, migrated unless the database service says to
 * skip migrations. SQLite runs in WAL mode: readers (dashboards) never wait
 * for the writer (ingestion), and a commit survives a killed process.
 */
export async function connectDevexDatabase(
  database: DatabaseService,
): Promise<Knex> {
  const client = await database.getClient();
  if (isSqlite(client)) {
    const rows: Array<{ journal_mode?: string }> = await client.raw(
      'PRAGMA journal_mode = WAL',
    );
    if (rows?.[0]?.journal_mode === 'wal') {
      await client.raw('PRAGMA synchronous = NORMAL');
      (client.client as { pool?: NodeJS.EventEmitter }).pool?.on(
        'createSuccess',
        (_id: unknown, connection: { pragma?: (sql: string) => unknown }) => {
          connection.pragma?.('synchronous = NORMAL');
        },
      );
    }
  }
  if (!database.migrations?.skip) {
    await client.migrate.latest({
      directory: MIGRATIONS_DIR,
      tableName: MIGRATIONS_TABLE,
    });
  }
  return client;
}
