import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';

/**
 * The embedded local engine for the platform plugin.
 *
 * This package is a skeleton so far: it installs into the platform plugin but
 * registers no engine yet, so the platform API does not list it.
 *
 * @public
 */
export const platformModuleLocal = createBackendModule({
  pluginId: 'platform',
  moduleId: 'local-engine',
  register(reg) {
    reg.registerInit({
      deps: { logger: coreServices.logger },
      async init({ logger }) {
        logger.info('The embedded local engine registers no engine yet');
      },
    });
  },
});
