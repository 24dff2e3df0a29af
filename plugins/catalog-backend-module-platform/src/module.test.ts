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
} from '@backstage/backend-test-utils';
import {
  catalogProcessingExtensionPoint,
  EntityProvider,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
// The real platform plugin, to test against what the module meets in a backend.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import platformPlugin from '@trellis/backstage-plugin-platform-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import {
  CreateResourceResult,
  platformEnginesExtensionPoint,
  PlatformService,
  platformServiceRef,
} from '@trellis/backstage-plugin-platform-node';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { catalogModulePlatform } from './module';

jest.setTimeout(60_000);

/** Polls until `check` returns a value (bounded; no timing assertions). */
async function eventually<T>(
  check: () => T | undefined,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}

/** A stand-in for the catalog plugin that hands out the providers it gets. */
function fakeCatalog(providers: EntityProvider[]) {
  return createBackendPlugin({
    pluginId: 'catalog',
    register(env) {
      env.registerExtensionPoint(catalogProcessingExtensionPoint, {
        addEntityProvider: (...added) => providers.push(...added.flat()),
        addProcessor: () => {},
        addPlaceholderResolver: () => {},
        setOnProcessingErrorHandler: () => {},
      });
      env.registerInit({ deps: {}, async init() {} });
    },
  });
}

async function start() {
  const providers: EntityProvider[] = [];
  let platform: PlatformService | undefined;
  const engine = new InMemoryEngine({
    id: 'memory',
    autoReconcile: true,
    capabilities: [testCapability()],
  });
  // The mock scheduler runs tasks only when the test triggers them.
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
    triggerTask(id: string): Promise<void>;
  };
  const backend = await startTestBackend({
    features: [
      fakeCatalog(providers),
      catalogModulePlatform,
      platformPlugin,
      createBackendModule({
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
      }),
      // Something to make requests as a user through the platform service.
      createBackendPlugin({
        pluginId: 'probe',
        register(reg) {
          reg.registerInit({
            deps: { service: platformServiceRef },
            async init({ service }) {
              platform = service;
            },
          });
        },
      }),
      // One events bus for every plugin, as in a real backend (the mock
      // gives each plugin its own): the platform's change notices reach the
      // provider.
      eventsServiceFactory,
      scheduler.factory({ skipTaskRunOnStartup: true }),
      mockServices.rootConfig.factory({
        data: { app: { baseUrl: 'https://backstage.example.com' } },
      }),
    ],
  });

  expect(providers).toHaveLength(1);
  const mutations: EntityProviderMutation[] = [];
  await providers[0].connect({
    applyMutation: async mutation => {
      mutations.push(mutation);
    },
    refresh: async () => {},
  });
  return {
    backend,
    platform: platform!,
    mutations,
    provider: providers[0],
    refresh: () => scheduler.triggerTask('trellis-platform:refresh'),
  };
}

describe('catalogModulePlatform', () => {
  it('keeps the catalog in step with the platform', async () => {
    const { backend, platform, mutations, refresh } = await start();
    const credentials = mockCredentials.user('user:default/alice');

    // The scheduled full mutation: the capability's API and Template.
    await refresh();
    const full = mutations.find(m => m.type === 'full');
    if (full?.type !== 'full') throw new Error('expected a full mutation');
    expect(full.entities.map(e => e.entity.metadata.name).sort()).toEqual([
      'memory-database',
      'request-memory-database',
    ]);

    // A request reaches the catalog as a delta, with the phase it got to.
    const { resource } = (await platform.createResource(
      {
        capabilityRef: 'memory:database',
        name: 'orders-db',
        environment: 'dev',
        owner: 'group:default/team-a',
        component: 'component:default/orders',
        spec: { size: 'medium' },
      },
      { credentials },
    )) as CreateResourceResult;
    const added = await eventually(
      () =>
        mutations
          .flatMap(m => (m.type === 'delta' ? m.added : []))
          .map(d => d.entity)
          .find(
            e =>
              e.metadata.annotations?.['trellis.dev/resource-id'] ===
                resource.id &&
              e.metadata.annotations?.['trellis.dev/phase'] === 'Ready',
          ),
      'the Ready resource as a delta',
    );
    expect(added).toMatchObject({
      kind: 'Resource',
      metadata: {
        name: 'database-orders-db-dev',
        title: 'orders-db (dev)',
        links: [
          {
            url: `https://backstage.example.com/platform/resources/${resource.id}`,
          },
        ],
      },
      spec: {
        type: 'database',
        owner: 'group:default/team-a',
        dependencyOf: ['component:default/orders'],
      },
    });

    // The next full mutation has it too.
    const fullCount = mutations.filter(m => m.type === 'full').length;
    await refresh();
    const second = mutations.filter(m => m.type === 'full')[fullCount];
    if (second?.type !== 'full') throw new Error('expected a full mutation');
    expect(second.entities.map(e => e.entity.metadata.name)).toContain(
      'database-orders-db-dev',
    );

    // Deleting it removes the entity.
    await platform.deleteResource(resource.id, { credentials });
    await eventually(
      () =>
        mutations
          .flatMap(m => (m.type === 'delta' ? m.removed : []))
          .find(
            r =>
              'entityRef' in r &&
              r.entityRef === 'resource:default/database-orders-db-dev',
          ),
      'the removal of the deleted resource',
    );

    await backend.stop();
  });
});
