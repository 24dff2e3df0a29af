import {
  coreServices,
  createServiceFactory,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { FakePlatform, lifeOf } from '../__testUtils__/FakePlatform';
import { MemoryCursors, MemorySink } from '../__testUtils__/memory';
import { testDevexPlugin } from '../__testUtils__/testDevexPlugin';
import { platformSourceModule } from './module';

jest.setTimeout(30_000);

describe('platformSourceModule', () => {
  const platform = new FakePlatform();
  let baseUrl: string;
  beforeAll(async () => {
    baseUrl = await platform.listen(7159);
  });
  afterAll(() => platform.close());

  it('registers the platform source and reads the feed on its schedule, with its own credentials', async () => {
    lifeOf(platform, 'orders');
    const state = {
      sinks: new Map<string, MemorySink>(),
      cursors: new Map<string, MemoryCursors>(),
    };
    const scheduler = mockServices.scheduler() as SchedulerService & {
      factory(options?: {
        skipTaskRunOnStartup?: boolean;
      }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
    };
    const backend = await startTestBackend({
      features: [
        testDevexPlugin(state),
        platformSourceModule,
        scheduler.factory({ skipTaskRunOnStartup: true }),
        createServiceFactory({
          service: coreServices.discovery,
          deps: {},
          factory: () => ({
            getBaseUrl: async (id: string) => `${baseUrl}/api/${id}`,
            getExternalBaseUrl: async (id: string) => `${baseUrl}/api/${id}`,
          }),
        }),
      ],
    });
    await scheduler.triggerTask('devex-platform-history');
    const sink = state.sinks.get('platform')!;
    expect(sink.facts.map(f => f.kind)).toEqual([
      'platform.requested',
      'platform.picked-up',
      'platform.ready',
      'platform.failed',
      'platform.deleted',
    ]);
    expect(await state.cursors.get('platform')!.get('feed/after')).toBe('10');
    // A plugin-to-plugin token for the platform, not a user's.
    expect(platform.tokens[0]).toMatch(/^Bearer .+/);
    expect(platform.tokens[0]).toContain('platform');
    await backend.stop();
  });
});
