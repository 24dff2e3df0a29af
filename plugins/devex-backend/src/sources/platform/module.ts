import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import { devexSourcesExtensionPoint } from '@trellis/backstage-plugin-devex-node';
import { PlatformClient } from '@trellis/backstage-plugin-platform-common';
import { PlatformHistorySource } from './PlatformHistorySource';

/**
 * The DevEx source of platform service levels (`platform.*` facts): the
 * platform API's history feed, read on a schedule through a durable cursor,
 * and its finished rollouts.
 *
 * @public
 */
export const platformSourceModule = createBackendModule({
  pluginId: 'devex',
  moduleId: 'platform-source',
  register(reg) {
    reg.registerInit({
      deps: {
        sources: devexSourcesExtensionPoint,
        scheduler: coreServices.scheduler,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        config: coreServices.rootConfig,
      },
      async init({ sources, scheduler, auth, discovery, config }) {
        const settings = config.getOptionalConfig('devex.sources.platform');
        const intervalSeconds =
          settings?.getOptionalNumber('pollIntervalSeconds') ?? 30;
        const pageSize = settings?.getOptionalNumber('pageSize') ?? 200;
        const platform = new PlatformClient({ discoveryApi: discovery });
        const token = async () =>
          (
            await auth.getPluginRequestToken({
              onBehalfOf: await auth.getOwnServiceCredentials(),
              targetPluginId: 'platform',
            })
          ).token;

        sources.addSource({
          id: 'platform',
          title: 'Platform resource history',
          kinds: [
            DevexFactKind.platformRequested,
            DevexFactKind.platformPickedUp,
            DevexFactKind.platformReady,
            DevexFactKind.platformFailed,
            DevexFactKind.platformDeleted,
            DevexFactKind.platformRolloutFinished,
          ],
          howToConnect:
            "Add @trellis/backstage-plugin-devex-backend's platformSourceModule to the backend (the default export includes it). It reads the platform API's GET /api/platform/events feed with the devex plugin's own credentials, so the platform plugin must be reachable through discovery.",
          async start({ sink, cursors, logger }) {
            const source = new PlatformHistorySource({
              platform,
              token,
              sink,
              cursors,
              logger,
              pageSize,
            });
            await scheduler.scheduleTask({
              id: 'devex-platform-history',
              frequency: { seconds: intervalSeconds },
              timeout: { minutes: 5 },
              initialDelay: { seconds: 15 },
              scope: 'global',
              fn: async () => {
                const { events, facts } = await source.poll();
                await source.pollRollouts();
                if (events) {
                  logger.debug(
                    `Platform history: ${events} event(s) read, ${facts} fact(s) written`,
                  );
                }
              },
            });
          },
        });
      },
    });
  },
});
