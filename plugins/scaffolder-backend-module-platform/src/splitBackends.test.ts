import {
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogBackend from '@backstage/plugin-catalog-backend';
import catalogModuleTemplateKind from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import eventsBackend from '@backstage/plugin-events-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import scaffolderBackend from '@backstage/plugin-scaffolder-backend';
import catalogModulePlatform from '@trellis/backstage-plugin-catalog-backend-module-platform';
// The real platform plugin, in a test only: this module never imports it.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import platformBackend from '@trellis/backstage-plugin-platform-backend';
import { platformEnginesExtensionPoint } from '@trellis/backstage-plugin-platform-node';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { scaffolderModulePlatform } from './module';

jest.setTimeout(120_000);

const ALICE = 'user:default/alice';

/** Polls until `check` answers (bounded; no timing assertions). */
async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

/**
 * Backend A: the platform plugin with an in-memory engine, and the events
 * backend, the bus that carries the platform's change notices to the other
 * backend. The real events service (the mock gives each plugin its own bus).
 */
async function startPlatformBackend() {
  const engine = new InMemoryEngine({
    autoReconcile: true,
    capabilities: [testCapability()],
  });
  const backend = await startTestBackend({
    features: [
      platformBackend,
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
      eventsBackend,
      eventsServiceFactory,
      // The bus holds a poll open this long when nothing comes (55 s by
      // default): the server's stop waits for it.
      mockServices.rootConfig.factory({
        data: { events: { notifyTimeoutMs: 2000 } },
      }),
    ],
  });
  return { backend, engine, url: `http://localhost:${backend.server.port()}` };
}

/**
 * Backend B: the catalog and the scaffolder with the platform modules, and
 * no platform plugin. Discovery sends `platform` and `events` to backend A.
 */
async function startConsumerBackend(platformUrl: string) {
  let ownUrl = '';
  const remote = new Set(['platform', 'events']);
  const discovery = createServiceFactory({
    service: coreServices.discovery,
    deps: {},
    factory: () => {
      const url = async (pluginId: string) =>
        `${remote.has(pluginId) ? platformUrl : ownUrl}/api/${pluginId}`;
      return { getBaseUrl: url, getExternalBaseUrl: url };
    },
  });
  const backend = await startTestBackend({
    features: [
      discovery,
      eventsServiceFactory,
      catalogBackend,
      catalogModuleTemplateKind,
      catalogModulePlatform,
      scaffolderBackend,
      scaffolderModulePlatform,
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          backend: { baseUrl: 'http://localhost:7007' },
          // The platform's capabilities arrive through the provider only.
          catalog: { rules: [{ allow: ['API', 'Template', 'Resource'] }] },
        },
      }),
    ],
  });
  ownUrl = `http://localhost:${backend.server.port()}`;
  return { backend, url: ownUrl };
}

describe('the platform plugin in one backend, catalog and scaffolder in another', () => {
  it('runs the golden path: template in B, resource Ready in A, entity in B', async () => {
    const platform = await startPlatformBackend();
    const consumer = await startConsumerBackend(platform.url);
    const token = mockCredentials.user.token(ALICE);
    const get = async (url: string) => {
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${token}` },
      });
      return response.ok ? response.json() : undefined;
    };

    // The capability's golden path reached B's catalog over HTTP.
    const template = await eventually(
      () =>
        get(
          `${consumer.url}/api/catalog/entities/by-name/template/default/request-memory-database`,
        ),
      'the generated template in the catalog of B',
    );
    expect(
      template.spec.steps.map((s: { action: string }) => s.action),
    ).toEqual(['platform:resource:request', 'platform:resource:wait']);

    // Alice runs it in B's scaffolder: the actions call A as Alice.
    const started = await fetch(`${consumer.url}/api/scaffolder/v2/tasks`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        templateRef: 'template:default/request-memory-database',
        values: {
          name: 'orders-db',
          environment: 'dev',
          owner: 'group:default/team-a',
          size: 'medium',
        },
      }),
    });
    expect(started.status).toBe(201);
    const { id: taskId } = await started.json();
    const task = await eventually(async () => {
      const current = await get(
        `${consumer.url}/api/scaffolder/v2/tasks/${taskId}`,
      );
      return ['completed', 'failed'].includes(current?.status)
        ? current
        : undefined;
    }, 'the scaffolder task to end');
    // The task's log, so that a failure says why.
    const log = ((await get(
      `${consumer.url}/api/scaffolder/v2/tasks/${taskId}/events`,
    )) ?? []) as { body: { message?: string } }[];
    expect({
      status: task.status,
      log: log.map(e => e.body.message).filter(Boolean),
    }).toEqual({ status: 'completed', log: expect.any(Array) });

    // A holds the resource, Ready, requested by Alice.
    const { items } = await get(`${platform.url}/api/platform/resources`);
    expect(items).toHaveLength(1);
    const [resource] = items;
    expect(resource).toMatchObject({
      name: 'orders-db',
      environment: 'dev',
      status: { phase: 'Ready' },
      requestedBy: ALICE,
    });
    expect(platform.engine.applied).toHaveLength(1);

    // B's catalog gets the Resource entity: no full refresh runs after the
    // start (the mock scheduler runs tasks once), so the change notice that
    // crossed the events bus brought it.
    const entity = await eventually(
      () =>
        get(
          `${consumer.url}/api/catalog/entities/by-name/resource/default/database-orders-db-dev`,
        ),
      'the Resource entity in the catalog of B',
    );
    expect(entity.metadata.annotations).toMatchObject({
      'trellis.io/resource-id': resource.id,
    });

    // The consumer first: its event polls end before the bus goes away.
    await consumer.backend.stop();
    await platform.backend.stop();
  });
});
