import {
  createBackendModule,
  createBackendPlugin,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
// The real platform plugin, in tests only: this module never imports it.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import platformBackend from '@trellis/backstage-plugin-platform-backend';
import {
  PlatformEngine,
  platformEnginesExtensionPoint,
  PlatformService,
  platformServiceRef,
} from '@trellis/backstage-plugin-platform-node';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/**
 * Starts the real platform plugin with the given engines on SQLite, and hands
 * out the platform service the way the scaffolder module gets it (the HTTP
 * client, here over loopback). One events bus serves every plugin, as in a
 * real backend (the mock gives each plugin its own), so change notices reach
 * the actions. Scheduled tasks run only when the test triggers them.
 */
export async function startPlatformBackend(engines: PlatformEngine[]) {
  let platform: PlatformService | undefined;
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
  };
  const backend = await startTestBackend({
    features: [
      platformBackend,
      createBackendModule({
        pluginId: 'platform',
        moduleId: 'test-engines',
        register(reg) {
          reg.registerInit({
            deps: { extension: platformEnginesExtensionPoint },
            async init({ extension }) {
              engines.forEach(engine => extension.addEngine(engine));
            },
          });
        },
      }),
      createBackendPlugin({
        pluginId: 'platform-consumer',
        register(reg) {
          reg.registerInit({
            deps: { service: platformServiceRef },
            async init({ service }) {
              platform = service;
            },
          });
        },
      }),
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
  return { backend, scheduler, platform: platform! };
}
