import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { platformServiceRef } from '@trellis/backstage-plugin-platform-node';
import { readProviderConfig } from './config';
import { PlatformEntityProvider } from './provider/PlatformEntityProvider';

/**
 * Brings the platform into the catalog: capabilities as `API` entities with a
 * generated `Template` each, resources as `Resource` entities.
 *
 * @public
 */
export const catalogModulePlatform = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'platform',
  register({ registerInit }) {
    registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        platform: platformServiceRef,
        auth: coreServices.auth,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
      },
      async init({
        catalog,
        platform,
        auth,
        config,
        logger,
        scheduler,
        lifecycle,
      }) {
        const { schedule, mapping } = readProviderConfig(config);
        const provider = new PlatformEntityProvider({
          platform,
          auth,
          logger,
          mapping,
          taskRunner: scheduler.createScheduledTaskRunner(schedule),
        });
        catalog.addEntityProvider(provider);
        lifecycle.addShutdownHook(() => provider.close());
      },
    });
  },
});
