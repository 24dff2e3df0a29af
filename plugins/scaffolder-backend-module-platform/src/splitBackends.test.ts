import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import authBackend from '@backstage/plugin-auth-backend';
import authModuleGuestProvider from '@backstage/plugin-auth-backend-module-guest-provider';
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

/** Where each plugin runs: A has the platform, the bus and sign-in. */
const urls = { a: '', b: '' };
const IN_A = new Set(['platform', 'events', 'auth']);

/**
 * Discovery of both backends: each plugin at the backend that runs it, as
 * `discovery.endpoints` would say in a split deployment.
 */
const discovery = createServiceFactory({
  service: coreServices.discovery,
  deps: {},
  factory: () => {
    const url = async (pluginId: string) =>
      `${IN_A.has(pluginId) ? urls.a : urls.b}/api/${pluginId}`;
    return { getBaseUrl: url, getExternalBaseUrl: url };
  },
});

/**
 * Real auth in both backends: plugins issue their own signed tokens, verified
 * by the other backend against the issuer's public keys; user tokens come
 * from the auth backend in A (the guest provider signs Alice in), and calls
 * on a user's behalf carry on-behalf-of tokens. Permissions stay the mock's
 * (allow).
 */
const realAuth = [
  discovery,
  authServiceFactory,
  httpAuthServiceFactory,
  httpRouterServiceFactory,
  // The real events service: one bus per backend, joined through the events
  // backend in A (the mock gives each plugin its own).
  eventsServiceFactory,
];

/**
 * Backend A: the platform plugin with an in-memory engine, the events
 * backend (the bus that carries the platform's change notices to B) and the
 * auth backend.
 */
async function startPlatformBackend() {
  const engine = new InMemoryEngine({
    autoReconcile: true,
    capabilities: [testCapability()],
  });
  const backend = await startTestBackend({
    features: [
      ...realAuth,
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
      authBackend,
      authModuleGuestProvider,
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          backend: { baseUrl: 'http://localhost:7007' },
          auth: {
            providers: {
              guest: {
                dangerouslyAllowOutsideDevelopment: true,
                userEntityRef: ALICE,
                ownershipEntityRefs: [ALICE, 'group:default/team-a'],
              },
            },
          },
          // The bus holds a poll open this long when nothing comes (55 s by
          // default): the server's stop waits for it.
          events: { notifyTimeoutMs: 2000 },
        },
      }),
    ],
  });
  urls.a = `http://localhost:${backend.server.port()}`;
  return { backend, engine, url: urls.a };
}

/**
 * Backend B: the catalog and the scaffolder with the platform modules, and
 * no platform plugin.
 */
async function startConsumerBackend() {
  // Tasks run when the test says: B's first catalog refresh needs B's own
  // address known to A, which verifies the catalog's token against B's keys.
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
    triggerTask(id: string): Promise<void>;
  };
  const backend = await startTestBackend({
    features: [
      ...realAuth,
      scheduler.factory({ skipTaskRunOnStartup: true }),
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
  urls.b = `http://localhost:${backend.server.port()}`;
  return { backend, scheduler, url: urls.b };
}

/** Alice signs in at A's auth backend: a real, signed user token. */
async function signIn(): Promise<string> {
  const response = await fetch(`${urls.a}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  expect(response.status).toBe(200);
  return (await response.json()).backstageIdentity.token;
}

describe('the platform plugin in one backend, catalog and scaffolder in another', () => {
  it('runs the golden path: template in B, resource Ready in A, entity in B', async () => {
    const platform = await startPlatformBackend();
    const consumer = await startConsumerBackend();
    const token = await signIn();
    // Auth is real: A refuses a mock token.
    const mockTokenCall = await fetch(
      `${platform.url}/api/platform/resources`,
      {
        headers: {
          Authorization: `Bearer ${mockCredentials.user.token(ALICE)}`,
        },
      },
    );
    expect(mockTokenCall.status).toBe(401);
    // The catalog's scheduled full refresh, once: it brings the capability
    // and its template. It does not run again in this test.
    await consumer.scheduler.triggerTask('trellis-platform:refresh');
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
    // one above, so the change notice that crossed the events bus brought it.
    const entity = await eventually(
      () =>
        get(
          `${consumer.url}/api/catalog/entities/by-name/resource/default/database-orders-db-dev`,
        ),
      'the Resource entity in the catalog of B',
    );
    expect(entity.metadata.annotations).toMatchObject({
      'trellis.dev/resource-id': resource.id,
    });

    // The consumer first: its event polls end before the bus goes away.
    await consumer.backend.stop();
    await platform.backend.stop();
  });
});
