import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { platformEnginesExtensionPoint } from '@trellis/backstage-plugin-platform-node';
import { CONFIG_ROOT, readClusterConfigs } from './config';
import { KubernetesEngine } from './KubernetesEngine';

/**
 * The Kubernetes engine (Kratix Promises and Crossplane compositions) for
 * the platform plugin: one engine per cluster configured under
 * `platform.engines.kubernetes.clusters`, with the cluster's name as engine
 * id.
 *
 * @public
 */
export const platformModuleKubernetes = createBackendModule({
  pluginId: 'platform',
  moduleId: 'kubernetes-engine',
  register(reg) {
    reg.registerInit({
      deps: {
        engines: platformEnginesExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
      },
      async init({ engines, config, logger, scheduler, lifecycle }) {
        const clusters = readClusterConfigs(config);
        if (clusters.length === 0) {
          logger.info(
            `No clusters configured under ${CONFIG_ROOT}; the Kubernetes engine registers no engine`,
          );
          return;
        }
        for (const cluster of clusters) {
          const engine = KubernetesEngine.fromConfig(
            cluster,
            logger.child({ cluster: cluster.name }),
          );
          engines.addEngine(engine);
          // Local scope: every replica keeps its own watches, so each resyncs its own.
          await scheduler.scheduleTask({
            id: `kubernetes-engine-resync-${cluster.name}`,
            scope: 'local',
            frequency: { seconds: cluster.resyncSeconds },
            initialDelay: { seconds: cluster.resyncSeconds },
            timeout: { minutes: 5 },
            fn: () => engine.resync(),
          });
          lifecycle.addShutdownHook(() => engine.close());
          logger.info(
            `Kubernetes engine '${cluster.name}' registered (Kratix ${
              cluster.kratix ? 'on' : 'off'
            }, Crossplane ${cluster.crossplane ? 'on' : 'off'}${
              cluster.userAuth
                ? `, changes as the requesting user with ${cluster.userAuth.provider} tokens`
                : ''
            })`,
          );
        }
      },
    });
  },
});
