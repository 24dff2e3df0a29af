/*
 * The database's share of a create, without HTTP: the platform stores' calls one
 * create makes (insert with its `requested` event, the dispatcher's claim and
 * completion, the engine's Ready observation), with BENCH_CONNECTIONS creates
 * in flight at a time, on a fresh SQLite file (or PostgreSQL with
 * BENCH_DATABASE=postgres). Prints CPU ms per create (this process: knex,
 * the driver, and SQLite itself on SQLite) and the statements per create.
 *
 * Settings: BENCH_CREATES (default 3000), BENCH_CONNECTIONS (default 10),
 * BENCH_DATABASE=sqlite|postgres, BENCH_SQL (statements separated by `;` run
 * after the migrations, for experiments: `DROP TRIGGER
 * platform_resources_search_insert` shows what the search index costs).
 */
import knexFactory, { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { openPlatformStores } from '../../plugins/platform-backend/src/database/PlatformStores';
import {
  benchDatabase,
  cleanupResources,
  prepareResources,
  startTimeLimit,
} from './resources';
import { intSetting, ms, printTable } from './stats';

const CREATES = intSetting('BENCH_CREATES', 3000, 10, 100_000);
const CONNECTIONS = intSetting('BENCH_CONNECTIONS', 10, 1, 100);

async function main() {
  const resources = await prepareResources();
  startTimeLimit(600, () => undefined);
  let knex: Knex | undefined;
  try {
    knex =
      benchDatabase() === 'postgres'
        ? knexFactory({
            client: 'pg',
            connection: `${(
              process.env.BENCH_POSTGRES_URL ??
              'postgresql://postgres@127.0.0.1:5432'
            ).replace(/\/$/, '')}/postgres`,
          })
        : knexFactory({
            client: 'better-sqlite3',
            connection: { filename: `${resources.tmpDir}/platform.sqlite` },
            useNullAsDefault: true,
          });
    if (benchDatabase() === 'postgres') {
      const name = `${resources.pgPrefix}platform`;
      await knex.raw(`CREATE DATABASE "${name}"`);
      await knex.destroy();
      knex = knexFactory({
        client: 'pg',
        connection: `${(
          process.env.BENCH_POSTGRES_URL ??
          'postgresql://postgres@127.0.0.1:5432'
        ).replace(/\/$/, '')}/${name}`,
      });
    }
    const db = knex;
    const store = await openPlatformStores({ getClient: async () => db });
    for (const statement of (process.env.BENCH_SQL ?? '')
      .split(';')
      .filter(Boolean)) {
      await db.raw(statement);
    }
    let statements = 0;
    db.on('query', () => {
      statements += 1;
    });

    let next = 0;
    const claimant = `bench-${randomUUID()}`;
    const one = async () => {
      const n = next++;
      const id = randomUUID();
      await store.resources.insert({
        id,
        capabilityRef: 'bench:database',
        engineId: 'bench',
        name: `store-${n}`,
        environment: 'dev',
        owner: 'group:default/team-000',
        requestedBy: 'user:default/bench',
        component: `component:default/create-svc-${n % 500}`,
        spec: { size: 'small' },
        version: '1.0.0',
      });
      const claims = await store.outbox.claim({
        claimant,
        limit: 50,
        leaseMs: 60_000,
        onlyIds: [id],
      });
      for (const claim of claims) {
        await store.outbox.complete(claim, claimant, {
          id,
          name: claim.resource.name,
        });
        await store.resources.recordObservation(id, {
          resourceId: id,
          engineRef: { id, name: claim.resource.name },
          phase: 'Ready',
          observedGeneration: 1,
          conditions: [],
          outputs: {},
          appliedVersion: '1.0.0',
        });
      }
    };
    const worker = async (count: number) => {
      for (let i = 0; i < count; i++) await one();
    };
    // Warm-up
    await Promise.all(Array.from({ length: CONNECTIONS }, () => worker(20)));
    statements = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, () =>
        worker(Math.ceil(CREATES / CONNECTIONS)),
      ),
    );
    const elapsed = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const creates = Math.ceil(CREATES / CONNECTIONS) * CONNECTIONS;
    printTable(
      ['creates', 'creates/s', 'CPU ms/create', 'statements/create'],
      [
        [
          String(creates),
          ((creates / elapsed) * 1000).toFixed(0),
          ms((used.user + used.system) / 1000 / creates),
          (statements / creates).toFixed(1),
        ],
      ],
    );
  } finally {
    await knex?.destroy();
    await cleanupResources(resources);
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
