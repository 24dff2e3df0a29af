import { startTestBackend } from '@backstage/backend-test-utils';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { scaffolderModulePlatform } from './module';

describe('scaffolderModulePlatform', () => {
  it('installs into the scaffolder plugin', async () => {
    // A stand-in for the scaffolder plugin: the module only needs its plugin id.
    const host = createBackendPlugin({
      pluginId: 'scaffolder',
      register(reg) {
        reg.registerInit({ deps: {}, async init() {} });
      },
    });

    await expect(
      startTestBackend({ features: [host, scaffolderModulePlatform] }),
    ).resolves.toBeDefined();
  });
});
