import {
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { DatabaseManager } from '@backstage/backend-defaults/database';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authBackend from '@backstage/plugin-auth-backend';
import authModuleGuestProvider from '@backstage/plugin-auth-backend-module-guest-provider';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import permissionBackend from '@backstage/plugin-permission-backend';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import signalsBackend from '@backstage/plugin-signals-backend';
import { platformProductionChangePermission } from '@trellis/backstage-plugin-platform-common';
import platformBackend from '@trellis/backstage-plugin-platform-backend';
import { platformEnginesExtensionPoint } from '@trellis/backstage-plugin-platform-node';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { Knex } from 'knex';

export const ALICE = 'user:default/alice';
export const TEAM_A = 'group:default/team-a';
export const STATIC_TOKEN = 'trellis-cli-test-static-token-0123456789';

/**
 * The permission policy of the CLI tests: everything is allowed except
 * changes in production, so that a refusal (403) can be shown.
 */
const testPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'cli-test-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy({
          async handle(request) {
            return {
              result:
                request.permission.name ===
                platformProductionChangePermission.name
                  ? AuthorizeResult.DENY
                  : AuthorizeResult.ALLOW,
            };
          },
        });
      },
    });
  },
});

/**
 * The platform plugin's tables in the test database (SQLite or PostgreSQL);
 * every other plugin in an in-memory SQLite database of its own, as each
 * plugin has its own database in a real backend (they would otherwise race
 * to create the same auth key tables).
 */
function databases(knex: Knex) {
  const others = DatabaseManager.fromConfig(
    new ConfigReader({
      backend: {
        database: { client: 'better-sqlite3', connection: ':memory:' },
      },
    }),
  );
  return createServiceFactory({
    service: coreServices.database,
    deps: {
      pluginMetadata: coreServices.pluginMetadata,
      logger: coreServices.logger,
      lifecycle: coreServices.lifecycle,
    },
    factory({ pluginMetadata, logger, lifecycle }) {
      const pluginId = pluginMetadata.getId();
      if (pluginId === 'platform') {
        return { getClient: async () => knex };
      }
      return others.forPlugin(pluginId, { logger, lifecycle });
    },
  });
}

/**
 * A real Backstage backend on a free port for the CLI to talk to: the
 * platform plugin with an in-memory engine the test drives, the signals
 * backend (the live channel `watch` uses), the auth backend with the guest
 * provider (a real user token for Alice of team-a, as a browser gets one) and
 * a static external-access token, and the permission backend with a policy.
 * Auth, HTTP auth, user info, permissions and events are Backstage's real
 * services, not mocks.
 */
export async function startCliTestBackend(options: { knex: Knex }) {
  const engine = new InMemoryEngine({
    capabilities: [testCapability()],
  });
  const backend = await startTestBackend({
    features: [
      authServiceFactory,
      httpAuthServiceFactory,
      httpRouterServiceFactory,
      userInfoServiceFactory,
      permissionsServiceFactory,
      eventsServiceFactory,
      // The registry that serves the platform's actions to
      // `backstage-cli actions execute`.
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      databases(options.knex),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          backend: {
            baseUrl: 'http://localhost:7007',
            actions: { pluginSources: ['platform'] },
            auth: {
              externalAccess: [
                {
                  type: 'static',
                  options: { token: STATIC_TOKEN, subject: 'cli-tests' },
                },
              ],
            },
          },
          auth: {
            // `backstage-cli auth login` signs in with the client ID
            // metadata document the auth backend serves for it.
            clientIdMetadataDocuments: { enabled: true },
            providers: {
              guest: {
                dangerouslyAllowOutsideDevelopment: true,
                userEntityRef: ALICE,
                ownershipEntityRefs: [ALICE, TEAM_A],
              },
            },
          },
          permission: { enabled: true },
          events: { useEventBus: 'never' },
          platform: {
            dispatch: { retryBaseSeconds: 0.05, retryMaxSeconds: 0.2 },
          },
        },
      }),
      platformBackend,
      createBackendModule({
        pluginId: 'platform',
        moduleId: 'cli-test-engine',
        register(reg) {
          reg.registerInit({
            deps: { engines: platformEnginesExtensionPoint },
            async init({ engines }) {
              engines.addEngine(engine);
            },
          });
        },
      }),
      signalsBackend,
      authBackend,
      authModuleGuestProvider,
      permissionBackend,
      testPolicy,
    ],
  });
  const url = `http://localhost:${backend.server.port()}`;

  /** A user token for Alice, from the guest provider, as the browser gets it. */
  async function userToken(): Promise<string> {
    const response = await fetch(`${url}/api/auth/guest/refresh`, {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    });
    if (!response.ok) {
      throw new Error(`guest sign-in failed: ${response.status}`);
    }
    return (await response.json()).backstageIdentity.token;
  }

  return { backend, engine, url, userToken };
}
