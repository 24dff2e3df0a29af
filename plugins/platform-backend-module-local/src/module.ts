import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { platformEnginesExtensionPoint } from '@trellis/backstage-plugin-platform-node';
import { readLocalEngineConfig } from './config';
import { LocalEngine } from './engine/LocalEngine';
import { createGitHttpRouter } from './git/GitHttpRouter';

/**
 * The embedded local engine for the platform plugin: capabilities are
 * Kratix Promise files whose pipelines run as local processes, with a Git
 * repository on disk as the state store. It needs nothing installed, the
 * way SQLite is Backstage's embedded database.
 *
 * @public
 */
export const platformModuleLocal = createBackendModule({
  pluginId: 'platform',
  moduleId: 'local-engine',
  register(reg) {
    reg.registerInit({
      deps: {
        engines: platformEnginesExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        scheduler: coreServices.scheduler,
        httpRouter: coreServices.httpRouter,
      },
      async init({
        engines,
        config,
        logger,
        lifecycle,
        scheduler,
        httpRouter,
      }) {
        if (
          config.getOptionalBoolean('platform.engines.local.enabled') === false
        ) {
          logger.info(
            'Local engine: disabled (platform.engines.local.enabled is false)',
          );
          return;
        }
        const options = readLocalEngineConfig(config);
        const stepEnv: Record<string, string> = {};
        if (
          config.getOptionalBoolean('platform.engines.local.gitHttp.enabled')
        ) {
          // Repositories that capabilities create become readable over HTTP
          // (catalog:register needs a URL); steps learn where.
          httpRouter.use(createGitHttpRouter({ stateDir: options.stateDir }));
          httpRouter.addAuthPolicy({
            path: '/local-git',
            allow: 'unauthenticated',
          });
          stepEnv.TRELLIS_GIT_HTTP_URL = `${config.getString(
            'backend.baseUrl',
          )}/api/platform/local-git`;
        }
        const engine = await LocalEngine.create({
          ...options,
          stepEnv,
          logger,
        });
        engines.addEngine(engine);
        logger.info(
          `Local engine: capabilities from ${options.capabilitiesDir}, state in ${options.stateDir}`,
        );

        // Reconciling starts once the platform plugin is up and watching,
        // so it sees every change from the first one.
        lifecycle.addStartupHook(() => engine.start());
        lifecycle.addShutdownHook(() => engine.stop());

        // Capability files are watched; this resync catches what a watcher
        // can miss (network file systems, editors that swap folders).
        await scheduler.scheduleTask({
          id: 'platform-local-engine-capabilities-resync',
          frequency: { minutes: 1 },
          timeout: { seconds: 30 },
          initialDelay: { minutes: 1 },
          scope: 'local',
          fn: () => engine.refreshCapabilities(),
        });
      },
    });
  },
});
