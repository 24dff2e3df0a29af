import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';

/**
 * Catalog entity provider for platform capabilities and resources.
 *
 * This package is a skeleton so far: it installs into the catalog but adds no
 * entity provider yet.
 *
 * @public
 */
export const catalogModulePlatform = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'platform',
  register({ registerInit }) {
    registerInit({
      deps: { logger: coreServices.logger },
      async init({ logger }) {
        logger.info('The platform catalog module provides no entities yet');
      },
    });
  },
});
