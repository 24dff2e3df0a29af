import { Knex } from 'knex';
import { openPlatformStores, PlatformStores } from '../database/PlatformStores';
import { NewResource } from '../database/ResourceStore';

/** The stores on a test database, migrated. */
export function storesOn(
  knex: Knex,
  options: { countCap?: number; skipMigrations?: boolean } = {},
): Promise<PlatformStores> {
  return openPlatformStores(
    {
      getClient: async () => knex,
      ...(options.skipMigrations ? { migrations: { skip: true } } : {}),
    },
    { countCap: options.countCap },
  );
}

/** A resource to insert, named after its id unless told otherwise. */
export function newResource(
  id: string,
  overrides: Partial<NewResource> = {},
): NewResource {
  return {
    id,
    capabilityRef: 'memory:database',
    engineId: 'memory',
    name: `db-${id}`,
    environment: 'dev',
    owner: 'group:default/team-a',
    requestedBy: 'user:default/alice',
    spec: {},
    version: '1.0.0',
    ...overrides,
  };
}

/** SQLite's plan for the first statement `run` sends to platform_resources. */
export async function sqlitePlanOf(knex: Knex, run: () => Promise<unknown>) {
  let first: { sql: string; bindings: unknown[] } | undefined;
  const listener = (query: { sql: string; bindings: unknown[] }) => {
    if (!first && query.sql.includes('from `platform_resources`')) {
      first = query;
    }
  };
  knex.on('query', listener);
  try {
    await run();
  } finally {
    knex.off('query', listener);
  }
  const rows: Array<{ detail: string }> = await knex.raw(
    `EXPLAIN QUERY PLAN ${first!.sql}`,
    first!.bindings as Knex.RawBinding[],
  );
  return rows.map(r => r.detail).join('\n');
}
