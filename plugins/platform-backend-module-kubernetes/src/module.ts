import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';

/**
 * The Kubernetes engine (Kratix and Crossplane) for the platform plugin.
 *
 * This package is a skeleton so far: it installs into the platform plugin but
 * registers no engine yet, so the platform API does not list it.
 *
 * @public
 */
export const platformModuleKubernetes = createBackendModule({
  pluginId: 'platform',
  moduleId: 'kubernetes-engine',
  register(reg) {
    reg.registerInit({
      deps: { logger: coreServices.logger },
      async init({ logger }) {
        logger.info(
          'The Kubernetes engine (Kratix and Crossplane) registers no engine yet',
        );
      },
    });
  },
});
