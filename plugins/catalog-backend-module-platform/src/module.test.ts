import { startTestBackend } from '@backstage/backend-test-utils';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { catalogModulePlatform } from './module';

describe('catalogModulePlatform', () => {
  it('installs into the catalog plugin', async () => {
    // A stand-in for the catalog plugin: the module only needs its plugin id.
    const host = createBackendPlugin({
      pluginId: 'catalog',
      register(reg) {
        reg.registerInit({ deps: {}, async init() {} });
      },
    });

    await expect(
      startTestBackend({ features: [host, catalogModulePlatform] }),
    ).resolves.toBeDefined();
  });
});
