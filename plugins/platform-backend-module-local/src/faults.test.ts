import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import platformPlugin from '@trellis/backstage-plugin-platform-backend';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { platformModuleLocal } from './module';
import {
  makeTempDir,
  removeDir,
  waitFor,
  writeCapability,
} from './__testUtils__/harness';

jest.setTimeout(90_000);

/** SQLite always; PostgreSQL when a connection string is configured. */
function databaseIds(): TestDatabaseId[] {
  const ids: TestDatabaseId[] = ['SQLITE_3'];
  for (const version of [18, 17, 16, 15, 14, 13]) {
    if (
      process.env[
        `BACKSTAGE_TEST_DATABASE_POSTGRES${version}_CONNECTION_STRING`
      ]
    ) {
      ids.push(`POSTGRES_${version}` as TestDatabaseId);
      break;
    }
  }
  return ids;
}

const databases = TestDatabases.create({
  ids: databaseIds(),
  disableDocker: true,
});

const USER = 'user:default/ada';
const asUser = { Authorization: mockCredentials.user.header(USER) };

type Knex = Awaited<ReturnType<typeof databases.init>>;

/** A backend with the platform plugin and the real local engine module. */
async function startReplica(options: {
  knex: Knex;
  capabilitiesDir: string;
  stateDir: string;
}) {
  // Scheduled tasks run when the test triggers them.
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(o?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
  };
  const backend = await startTestBackend({
    features: [
      platformPlugin,
      platformModuleLocal,
      mockServices.database.factory({ knex: options.knex }),
      scheduler.factory({ skipTaskRunOnStartup: true }),
      mockServices.rootConfig.factory({
        data: {
          platform: {
            dispatch: {
              retryBaseSeconds: 0.05,
              retryMaxSeconds: 0.3,
              leaseSeconds: 5,
            },
            engines: {
              local: {
                capabilitiesDir: options.capabilitiesDir,
                stateDir: options.stateDir,
                concurrency: 4,
                retries: { limit: 0 },
              },
            },
          },
        },
      }),
    ],
  });
  const runTask = (id: string) =>
    scheduler.triggerTask(id).catch(error => {
      if (error.name !== 'NotFoundError') throw error;
    });
  return {
    backend,
    server: backend.server,
    /** One round of the background work, as the scheduler would run it. */
    tick: async () => {
      await runTask('platform-dispatch');
      await runTask('platform-resync-local');
      await runTask('platform-resync');
    },
  };
}
type Replica = Awaited<ReturnType<typeof startReplica>>;

const create = async (replica: Replica, name: string) => {
  const res = await request(replica.server)
    .post('/api/platform/resources')
    .set(asUser)
    .send({
      capabilityRef: 'local:widget',
      name,
      environment: 'dev',
      owner: 'group:default/team-a',
      spec: { message: name },
    });
  expect(res.status).toBe(201);
  return res.body.id as string;
};

const getResource = async (replica: Replica, id: string) =>
  (
    await request(replica.server)
      .get(`/api/platform/resources/${id}`)
      .set(asUser)
  ).body;

const history = async (replica: Replica, id: string) =>
  (
    await request(replica.server)
      .get(`/api/platform/resources/${id}/history`)
      .set(asUser)
  ).body.items as Array<{ type: string; toPhase?: string; message?: string }>;

/** Every pipeline run the test step recorded under a state folder. */
async function runsUnder(stateDir: string): Promise<Map<string, string[]>> {
  const dir = join(stateDir, 'capability-data', 'widget');
  const runs = new Map<string, string[]>();
  for (const file of await readdir(dir).catch(() => [] as string[])) {
    if (!file.endsWith('.runs')) continue;
    const text = await readFile(join(dir, file), 'utf8');
    runs.set(
      file.replace(/^dev-|\.runs$/g, ''),
      text.split('\n').filter(Boolean),
    );
  }
  return runs;
}

describe.each(databases.eachSupportedId())(
  'the platform with the local engine on %p',
  databaseId => {
    let capabilitiesDir: string;
    let stateDir: string;

    beforeEach(async () => {
      capabilitiesDir = await makeTempDir('capabilities-');
      stateDir = await makeTempDir('state-');
      await writeCapability(capabilitiesDir);
    });

    afterEach(async () => {
      await removeDir(capabilitiesDir);
      await removeDir(stateDir);
      await removeDir(`${stateDir}.away`);
    });

    it('provisions every request accepted while the engine could not write its state, once the folder is back', async () => {
      const knex = await databases.init(databaseId);
      const replica = await startReplica({ knex, capabilitiesDir, stateDir });

      // The state folder is replaced by a file (root ignores permissions).
      await rename(stateDir, `${stateDir}.away`);
      await writeFile(stateDir, 'not a folder');
      const names = Array.from({ length: 10 }, (_, i) => `outage-${i}`);
      const ids = await Promise.all(names.map(name => create(replica, name)));
      await waitFor('every apply to fail', async () => {
        await replica.tick();
        const all = await Promise.all(ids.map(id => history(replica, id)));
        return all.every(events =>
          events.some(
            e =>
              e.type === 'dispatch-failed' &&
              /could not write its state/.test(e.message ?? ''),
          ),
        );
      });
      for (const id of ids) {
        const resource = await getResource(replica, id);
        expect(resource.status.phase).toBe('Pending');
        expect(resource.pending).toMatchObject({ action: 'apply' });
      }

      await rm(stateDir);
      await rename(`${stateDir}.away`, stateDir);
      await waitFor(
        'every request to be Ready',
        async () => {
          await replica.tick();
          const all = await Promise.all(
            ids.map(id => getResource(replica, id)),
          );
          return all.every(r => r.status.phase === 'Ready' && !r.pending);
        },
        60_000,
      );
      const runs = await runsUnder(stateDir);
      for (const name of names) {
        expect(runs.get(name)).toEqual([
          'configure start 1 v1.0.0',
          'configure end 1 v1.0.0',
        ]);
      }
      await replica.backend.stop();
    });
  },
);

const postgresIds = databaseIds().filter(id => id.startsWith('POSTGRES'));

(postgresIds.length
  ? describe.each(postgresIds.map(id => [id]))
  : describe.skip.each([['POSTGRES']]))(
  'two backend replicas with their own local engines on one %p database',
  databaseId => {
    const dirs: string[] = [];
    afterEach(async () => {
      await Promise.all(dirs.splice(0).map(removeDir));
    });

    it('provision each request with one engine, once, and never fall back to Pending', async () => {
      const knexA = await databases.init(databaseId as TestDatabaseId);
      // The second replica's client: the same database, its own connections
      // from the pool, racing the first's for every claim.
      const knexB = knexA.withUserParams({ replica: 'b' });
      const capabilitiesDir = await makeTempDir('capabilities-');
      const stateA = await makeTempDir('state-a-');
      const stateB = await makeTempDir('state-b-');
      dirs.push(capabilitiesDir, stateA, stateB);
      await writeCapability(capabilitiesDir);
      const a = await startReplica({
        knex: knexA,
        capabilitiesDir,
        stateDir: stateA,
      });
      const b = await startReplica({
        knex: knexB,
        capabilitiesDir,
        stateDir: stateB,
      });

      const names = Array.from({ length: 20 }, (_, i) => `twin-${i}`);
      const ids = await Promise.all(
        names.map((name, i) => create(i % 2 ? a : b, name)),
      );
      await waitFor(
        'every request to be Ready',
        async () => {
          await Promise.all([a.tick(), b.tick()]);
          const all = await Promise.all(ids.map(id => getResource(a, id)));
          return all.every(r => r.status.phase === 'Ready');
        },
        60_000,
      );
      // Several more rounds of resync on both replicas change nothing.
      for (let round = 0; round < 3; round++) {
        await Promise.all([a.tick(), b.tick()]);
      }

      const runsA = await runsUnder(stateA);
      const runsB = await runsUnder(stateB);
      for (const name of names) {
        const runs = [...(runsA.get(name) ?? []), ...(runsB.get(name) ?? [])];
        expect({ name, runs }).toEqual({
          name,
          runs: ['configure start 1 v1.0.0', 'configure end 1 v1.0.0'],
        });
      }
      for (const id of ids) {
        const phases = (await history(a, id))
          .filter(e => e.type === 'phase-changed')
          .map(e => e.toPhase);
        const ready = phases.indexOf('Ready');
        expect(phases.slice(ready)).toEqual(['Ready']);
      }
      await a.backend.stop();
      await b.backend.stop();
    });
  },
);
