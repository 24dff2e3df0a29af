import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';

/**
 * Scaffolder actions that delegate to the Trellis platform API.
 *
 * This package is a skeleton so far: it installs into the scaffolder but
 * registers no `platform:*` actions yet.
 *
 * @public
 */
export const scaffolderModulePlatform = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'platform',
  register({ registerInit }) {
    registerInit({
      deps: { logger: coreServices.logger },
      async init({ logger }) {
        logger.info('The platform scaffolder module registers no actions yet');
      },
    });
  },
});
