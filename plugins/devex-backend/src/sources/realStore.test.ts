import {
  coreServices,
  createServiceFactory,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  DefaultEventsService,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import { Knex } from 'knex';
import request from 'supertest';
import { devexPlugin } from '../plugin';
import { testDatabaseIds } from '../__testUtils__/testStore';
import { FakeScaffolder, goldenPathSpec } from './__testUtils__/FakeScaffolder';
import { scaffolderSourceModule } from './scaffolder/module';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });
const ALICE = 'user:default/alice';
const asAdmin = { Authorization: mockCredentials.user.header(ALICE) };

/**
 * The scaffolder source in the real devex plugin, on its real store (cursor
 * store and facts in the devex database): a restart between a task's
 * creation and its completion, and a backfill after downtime.
 */
describe.each(databases.eachSupportedId())(
  'scaffolder source on the devex store on %p',
  databaseId => {
    const scaffolder = new FakeScaffolder();
    let baseUrl: string;
    beforeAll(async () => {
      baseUrl = await scaffolder.listen(7158);
    });
    afterAll(() => scaffolder.close());

    async function start(knex: Knex) {
      const bus = DefaultEventsService.create({
        logger: mockServices.logger.mock(),
      });
      const scheduler = mockServices.scheduler() as SchedulerService & {
        factory(options?: {
          skipTaskRunOnStartup?: boolean;
        }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
      };
      const backend = await startTestBackend({
        features: [
          devexPlugin,
          scaffolderSourceModule,
          mockServices.database.factory({ knex }),
          scheduler.factory({ skipTaskRunOnStartup: true }),
          mockServices.rootConfig.factory({
            data: { devex: { demo: { enabled: false } } },
          }),
          createServiceFactory({
            service: eventsServiceRef,
            deps: { pluginMetadata: coreServices.pluginMetadata },
            factory: ({ pluginMetadata }) =>
              bus.forPlugin(pluginMetadata.getId()),
          }),
          createServiceFactory({
            service: coreServices.discovery,
            deps: {},
            factory: () => ({
              getBaseUrl: async (id: string) =>
                id === 'scaffolder'
                  ? `${baseUrl}/api/scaffolder`
                  : `http://localhost:0/api/${id}`,
              getExternalBaseUrl: async (id: string) =>
                `http://localhost:0/api/${id}`,
            }),
          }),
          catalogServiceMock.factory({
            entities: [
              {
                apiVersion: 'scaffolder.backstage.io/v1beta3',
                kind: 'Template',
                metadata: {
                  name: 'postgres-service',
                  namespace: 'default',
                  annotations: { 'backstage.io/time-saved': 'PT2H' },
                },
                spec: {},
              },
            ],
          }),
        ],
      });
      scaffolder.events = bus;
      return { backend, scheduler };
    }

    const runs = async (server: Parameters<typeof request>[0]) => {
      const res = await request(server)
        .get('/api/devex/facts?kind=golden-path.run')
        .set(asAdmin);
      expect(res.status).toBe(200);
      return res.body.items as Array<Record<string, any>>;
    };

    it('joins a completion to its creation across a restart, and backfills what it missed', async () => {
      const knex = await databases.init(databaseId);
      const first = await start(knex);
      const id = await scaffolder.createTask(goldenPathSpec(ALICE), ALICE);
      await scaffolder.claimTask(id);
      await first.backend.stop();

      // The spec of the creation event is in the devex database now.
      const second = await start(knex);
      scaffolder.advance(45);
      await scaffolder.completeTask(id, 'completed', {
        message: 'Run completed with status: completed',
        output: { entityRef: 'component:default/orders' },
      });
      expect(scaffolder.requests).not.toContain(
        `GET /api/scaffolder/v2/tasks/${id}`,
      );
      let facts = await runs(second.backend.server);
      expect(facts).toHaveLength(1);
      expect(facts[0]).toMatchObject({
        subject: `scaffolder:task/${id}`,
        templateRef: 'template:default/postgres-service',
        entityRef: 'component:default/orders',
        value: 45,
        attributes: {
          status: 'completed',
          goldenPath: true,
          timeSavedSeconds: 7200,
        },
      });
      await second.backend.stop();

      // Down again; a run fails meanwhile, without any event reaching devex.
      scaffolder.events = undefined;
      const missed = await scaffolder.createTask(goldenPathSpec(ALICE), ALICE);
      await scaffolder.runToFailure(missed, 'request', 'quota exceeded', 9);

      const third = await start(knex);
      await third.scheduler.triggerTask('devex-scaffolder-backfill');
      await third.scheduler.triggerTask('devex-scaffolder-backfill');
      facts = await runs(third.backend.server);
      expect(facts.map(f => f.attributes.status).sort()).toEqual([
        'completed',
        'failed',
      ]);

      const report = await request(third.backend.server)
        .get('/api/devex/metrics/golden-paths?from=2026-11-01&to=2026-11-30')
        .set(asAdmin);
      expect(report.status).toBe(200);
      expect(report.body.totals).toMatchObject({
        runs: 2,
        completed: 1,
        failed: 1,
        timeSavedSeconds: 7200,
      });
      expect(report.body.topFailures).toEqual([
        expect.objectContaining({
          step: 'request (Request the database)',
          message: 'quota exceeded',
          count: 1,
        }),
      ]);
      await third.backend.stop();
    });
  },
);
