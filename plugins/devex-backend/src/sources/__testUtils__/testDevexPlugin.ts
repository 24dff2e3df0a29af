import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  DevexSource,
  devexSourcesExtensionPoint,
} from '@trellis/backstage-plugin-devex-node';
import { MemoryCursors, MemorySink } from './memory';

/**
 * A stand-in for the devex plugin in module tests: it takes sources through
 * the real extension point and starts them the way the plugin does, with a
 * memory sink and cursors the test holds (and can hand to a "restarted"
 * backend).
 */
export function testDevexPlugin(state: {
  sinks: Map<string, MemorySink>;
  cursors: Map<string, MemoryCursors>;
  sources?: DevexSource[];
}) {
  return createBackendPlugin({
    pluginId: 'devex',
    register(env) {
      const sources: DevexSource[] = [];
      env.registerExtensionPoint(devexSourcesExtensionPoint, {
        addSource: source => {
          if (sources.some(s => s.id === source.id)) {
            throw new Error(`duplicate source ${source.id}`);
          }
          sources.push(source);
        },
      });
      env.registerInit({
        deps: { logger: coreServices.logger },
        async init({ logger }) {
          state.sources = sources;
          for (const source of sources) {
            if (!state.sinks.has(source.id)) {
              state.sinks.set(source.id, new MemorySink());
            }
            if (!state.cursors.has(source.id)) {
              state.cursors.set(source.id, new MemoryCursors());
            }
            await source.start({
              sink: state.sinks.get(source.id)!,
              cursors: state.cursors.get(source.id)!,
              logger,
            });
          }
        },
      });
    },
  });
}
