import {
  coreServices,
  createServiceFactory,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  DefaultEventsService,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import {
  FakeScaffolder,
  goldenPathSpec,
} from '../__testUtils__/FakeScaffolder';
import { MemoryCursors, MemorySink } from '../__testUtils__/memory';
import { testDevexPlugin } from '../__testUtils__/testDevexPlugin';
import { scaffolderSourceModule } from './module';

jest.setTimeout(30_000);

describe('scaffolderSourceModule', () => {
  const scaffolder = new FakeScaffolder();
  let baseUrl: string;
  beforeAll(async () => {
    baseUrl = await scaffolder.listen(7157);
  });
  afterAll(() => scaffolder.close());

  async function startBackend(state: {
    sinks: Map<string, MemorySink>;
    cursors: Map<string, MemoryCursors>;
  }) {
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
        testDevexPlugin(state),
        scaffolderSourceModule,
        createServiceFactory({
          service: eventsServiceRef,
          deps: { pluginMetadata: coreServices.pluginMetadata },
          factory: ({ pluginMetadata }) =>
            bus.forPlugin(pluginMetadata.getId()),
        }),
        scheduler.factory({ skipTaskRunOnStartup: true }),
        createServiceFactory({
          service: coreServices.discovery,
          deps: {},
          factory: () => ({
            getBaseUrl: async (id: string) => `${baseUrl}/api/${id}`,
            getExternalBaseUrl: async (id: string) => `${baseUrl}/api/${id}`,
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
                annotations: { 'backstage.io/time-saved': 'PT4H30M' },
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

  it('registers the scaffolder source, follows scaffolder.task and backfills on schedule', async () => {
    const state = {
      sinks: new Map<string, MemorySink>(),
      cursors: new Map<string, MemoryCursors>(),
    };
    const { backend } = await startBackend(state);
    const live = await scaffolder.createTask(
      goldenPathSpec(),
      'user:default/alice',
    );
    await scaffolder.runToCompletion(live, 30);
    const sink = state.sinks.get('scaffolder')!;
    expect(sink.facts).toHaveLength(1);
    expect(sink.facts[0]).toMatchObject({
      templateRef: 'template:default/postgres-service',
      attributes: { status: 'completed', timeSavedSeconds: 16200 },
    });
    await backend.stop();

    // While devex is down, a task is created and fails.
    scaffolder.events = undefined;
    const missed = await scaffolder.createTask(
      goldenPathSpec('user:default/bob'),
      'user:default/bob',
    );
    await scaffolder.runToFailure(missed, 'request', 'quota exceeded', 8);

    const restarted = await startBackend(state);
    await restarted.scheduler.triggerTask('devex-scaffolder-backfill');
    expect(sink.facts.map(f => f.attributes?.status)).toEqual([
      'completed',
      'failed',
    ]);
    expect(sink.facts[1]).toMatchObject({
      actor: 'user:default/bob',
      attributes: {
        failedStep: 'request (Request the database)',
        failureMessage: 'quota exceeded',
      },
    });
    await restarted.backend.stop();
  });
});
