import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  PlatformEngine,
  platformEnginesExtensionPoint,
} from '@trellis/backstage-plugin-platform-node';
import { FakeKubeApiServer } from './__testUtils__/FakeKubeApiServer';
import { platformModuleKubernetes } from './module';

// Starting a backend takes a while on a loaded machine.
jest.setTimeout(30_000);

describe('platformModuleKubernetes', () => {
  async function startWithConfig(data: object) {
    const engines: PlatformEngine[] = [];
    const logger = mockServices.logger.mock();
    const backend = await startTestBackend({
      extensionPoints: [
        [platformEnginesExtensionPoint, { addEngine: e => engines.push(e) }],
      ],
      features: [
        platformModuleKubernetes,
        mockServices.rootConfig.factory({ data }),
        logger.factory,
      ],
    });
    return { backend, engines, logger };
  }

  it('registers no engine, and says so, when no cluster is configured', async () => {
    const { backend, engines, logger } = await startWithConfig({});

    expect(engines).toEqual([]);
    expect(logger.info).toHaveBeenCalledWith(
      'No clusters configured under platform.engines.kubernetes.clusters; the Kubernetes engine registers no engine',
    );
    await backend.stop();
  });

  it('registers one engine per configured cluster, named like the cluster', async () => {
    const cluster = await FakeKubeApiServer.start();
    try {
      const { backend, engines } = await startWithConfig({
        platform: {
          engines: {
            kubernetes: {
              clusters: [
                {
                  name: 'prod-eu',
                  title: 'Production EU',
                  url: cluster.url,
                  skipTLSVerify: true,
                  token: 'engine-token',
                },
                {
                  name: 'prod-us',
                  url: cluster.url,
                  skipTLSVerify: true,
                  token: 'engine-token',
                  crossplane: { enabled: false },
                  namespaces: { production: 'prod' },
                },
              ],
            },
          },
        },
      });

      expect(engines.map(e => [e.id, e.title])).toEqual([
        ['prod-eu', 'Production EU'],
        ['prod-us', 'Kubernetes (prod-us)'],
      ]);
      // The engines reach their cluster.
      expect(await engines[0].listCapabilities()).toEqual([]);
      await backend.stop();
    } finally {
      await cluster.close();
    }
  });
});
