import {
  createBackendModule,
  createBackendPlugin,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
// The real platform plugin, in a test only: this module never imports it.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import platformBackend from '@trellis/backstage-plugin-platform-backend';
import {
  platformEnginesExtensionPoint,
  PlatformService,
  platformServiceRef,
} from '@trellis/backstage-plugin-platform-node';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { createTestContext, eventually } from '../__testUtils__/context';
import { createPlatformResourceRequestAction } from './request';
import { createPlatformResourceWaitAction } from './wait';

const ALICE = mockCredentials.user('user:default/alice');

const requestInput = {
  capabilityRef: 'memory:database',
  name: 'orders-db',
  environment: 'dev',
  owner: 'group:default/team-a',
  component: 'component:default/orders',
  spec: { size: 'medium' },
};

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/**
 * Starts the real platform plugin with an in-memory engine, and hands out the
 * platform service the way the scaffolder module gets it (the HTTP client,
 * here over loopback).
 */
async function startPlatform() {
  const engine = new InMemoryEngine({
    autoReconcile: true,
    capabilities: [testCapability()],
  });
  const engineModule = createBackendModule({
    pluginId: 'platform',
    moduleId: 'test-engine',
    register(reg) {
      reg.registerInit({
        deps: { engines: platformEnginesExtensionPoint },
        async init({ engines }) {
          engines.addEngine(engine);
        },
      });
    },
  });
  let platform: PlatformService | undefined;
  const consumer = createBackendPlugin({
    pluginId: 'platform-consumer',
    register(reg) {
      reg.registerInit({
        deps: { service: platformServiceRef },
        async init({ service }) {
          platform = service;
        },
      });
    },
  });
  // Scheduled tasks run only when the test triggers them.
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
  };
  const backend = await startTestBackend({
    features: [
      platformBackend,
      engineModule,
      consumer,
      // One events bus for every plugin, as in a real backend (the mock
      // gives each plugin its own): change notices reach the actions.
      eventsServiceFactory,
      mockServices.database.factory({
        knex: await databases.init('SQLITE_3'),
      }),
      scheduler.factory({ skipTaskRunOnStartup: true }),
      mockServices.rootConfig.factory({
        data: {
          platform: {
            dispatch: { retryBaseSeconds: 0.01, retryMaxSeconds: 0.05 },
          },
        },
      }),
    ],
  });
  return { backend, engine, scheduler, platform: platform! };
}

describe('platform actions against the platform backend', () => {
  let started: Awaited<ReturnType<typeof startPlatform>>;

  beforeEach(async () => {
    started = await startPlatform();
  });

  afterEach(async () => {
    await started.backend.stop();
  });

  it('requests a resource as the user and waits until it is Ready', async () => {
    const { engine, platform, scheduler } = started;
    // Hold the engine back, so the wait sees the resource before it is Ready.
    engine.setAvailable(false);

    const request = createTestContext({
      input: requestInput,
      credentials: ALICE,
    });
    await createPlatformResourceRequestAction(platform).handler(request.ctx);
    const id = request.outputs().id as string;
    expect(request.outputs()).toMatchObject({
      entityRef: 'resource:default/database-orders-db-dev',
      link: `/platform/resources/${id}`,
      phase: 'Pending',
      spec: { size: 'medium', replicas: 1 },
    });

    const wait = createTestContext({ input: { id }, credentials: ALICE });
    const waiting = createPlatformResourceWaitAction(platform).handler(
      wait.ctx,
    );
    await eventually(
      () => wait.logLines().includes('orders-db is Pending'),
      'the wait to read the resource',
    );
    engine.setAvailable(true);
    // The dispatcher retries the failed apply; run it until it has.
    for (let attempt = 0; engine.applied.length === 0; attempt++) {
      if (attempt === 400) throw new Error('The engine was never applied');
      await scheduler.triggerTask('platform-dispatch');
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    await waiting;

    expect(wait.logLines()).toEqual([
      'orders-db is Pending',
      'orders-db: Pending → Ready',
    ]);
    expect(wait.outputs().phase).toBe('Ready');
    const resource = await platform.getResource(id, { credentials: ALICE });
    expect(resource).toMatchObject({
      requestedBy: 'user:default/alice',
      owner: 'group:default/team-a',
      component: 'component:default/orders',
      status: { phase: 'Ready' },
    });
  });

  it('gets the same resource back when a retried task requests again', async () => {
    const { platform } = started;
    const first = createTestContext({
      input: requestInput,
      credentials: ALICE,
    });
    await createPlatformResourceRequestAction(platform).handler(first.ctx);
    // Same task and step, no checkpoint: the idempotency key finds it.
    const retry = createTestContext({
      input: requestInput,
      credentials: ALICE,
    });
    await createPlatformResourceRequestAction(platform).handler(retry.ctx);

    expect(retry.outputs().id).toBe(first.outputs().id);
    const page = await platform.listResources({}, { credentials: ALICE });
    expect(page.totalCount).toBe(1);
    // Let the platform finish applying it before the backend stops.
    const wait = createTestContext({
      input: { id: first.outputs().id as string },
      credentials: ALICE,
    });
    await createPlatformResourceWaitAction(platform).handler(wait.ctx);
    expect(wait.outputs().phase).toBe('Ready');
  });

  it('validates a dry run without creating anything', async () => {
    const { platform } = started;
    const dryRun = createTestContext({
      input: { ...requestInput, spec: {} },
      credentials: ALICE,
      isDryRun: true,
    });

    await createPlatformResourceRequestAction(platform).handler(dryRun.ctx);

    expect(dryRun.outputs()).toMatchObject({
      phase: 'Pending',
      spec: { size: 'small', replicas: 1 },
    });
    const page = await platform.listResources({}, { credentials: ALICE });
    expect(page.totalCount).toBe(0);
  });

  it('fails the dry run with the field the platform rejects', async () => {
    const { platform } = started;
    const dryRun = createTestContext({
      input: { ...requestInput, spec: { size: 'huge' } },
      credentials: ALICE,
      isDryRun: true,
    });

    await expect(
      createPlatformResourceRequestAction(platform).handler(dryRun.ctx),
    ).rejects.toThrow(/size/);
  });

  it('fails the wait with the engine’s message', async () => {
    const { engine, platform } = started;
    engine.failNextApply(new InputError('size medium needs a paid plan'));

    const request = createTestContext({
      input: requestInput,
      credentials: ALICE,
    });
    await createPlatformResourceRequestAction(platform).handler(request.ctx);
    const wait = createTestContext({
      input: { id: request.outputs().id as string },
      credentials: ALICE,
    });

    await expect(
      createPlatformResourceWaitAction(platform).handler(wait.ctx),
    ).rejects.toThrow('orders-db failed: size medium needs a paid plan');
  });
});
