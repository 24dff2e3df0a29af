import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { platformEnginesExtensionPoint } from '@trellis/backstage-plugin-platform-node';
import { EngineRegistry } from './engines/EngineRegistry';
import { createRouter } from './service/router';

/**
 * The Trellis platform backend plugin: one API over the orchestration engines
 * that backend modules register.
 *
 * @public
 */
export const platformPlugin = createBackendPlugin({
  pluginId: 'platform',
  register(env) {
    const engines = new EngineRegistry();
    env.registerExtensionPoint(platformEnginesExtensionPoint, {
      addEngine: engine => engines.add(engine),
    });

    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
      },
      async init({ httpRouter, logger }) {
        engines.lock();
        logger.info(
          `Platform engines: ${
            engines
              .list()
              .map(e => e.id)
              .join(', ') || 'none registered'
          }`,
        );
        httpRouter.use(await createRouter({ engines }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
