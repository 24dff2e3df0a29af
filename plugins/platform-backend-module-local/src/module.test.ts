import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  PlatformEngine,
  platformEnginesExtensionPoint,
} from '@trellis/backstage-plugin-platform-node';
import { platformModuleLocal } from './module';
import {
  makeTempDir,
  removeDir,
  writeCapability,
} from './__testUtils__/harness';

describe('platformModuleLocal', () => {
  let capabilitiesDir: string;
  let stateDir: string;

  beforeEach(async () => {
    capabilitiesDir = await makeTempDir('capabilities-');
    stateDir = await makeTempDir('state-');
  });

  afterEach(async () => {
    await removeDir(capabilitiesDir);
    await removeDir(stateDir);
  });

  it('registers the local engine with the configured folders', async () => {
    await writeCapability(capabilitiesDir);
    const addEngine = jest.fn<void, [PlatformEngine]>();

    const backend = await startTestBackend({
      extensionPoints: [[platformEnginesExtensionPoint, { addEngine }]],
      features: [
        platformModuleLocal,
        mockServices.rootConfig.factory({
          data: {
            platform: {
              engines: { local: { capabilitiesDir, stateDir, concurrency: 2 } },
            },
          },
        }),
      ],
    });

    expect(addEngine).toHaveBeenCalledTimes(1);
    const engine = addEngine.mock.calls[0][0];
    expect(engine).toMatchObject({ id: 'local', title: 'Local engine' });
    await expect(engine.listCapabilities()).resolves.toEqual([
      expect.objectContaining({ name: 'widget', version: 'v1.0.0' }),
    ]);

    await backend.stop();
    // Stopped with the backend: it takes no more work.
    await expect(engine.listCapabilities()).rejects.toThrow('shutting down');
  });

  it('registers no engine when production configuration disables it', async () => {
    const addEngine = jest.fn<void, [PlatformEngine]>();
    const backend = await startTestBackend({
      extensionPoints: [[platformEnginesExtensionPoint, { addEngine }]],
      features: [
        platformModuleLocal,
        mockServices.rootConfig.factory({
          data: {
            platform: {
              engines: { local: { enabled: false, capabilitiesDir, stateDir } },
            },
          },
        }),
      ],
    });
    expect(addEngine).not.toHaveBeenCalled();
    await backend.stop();
  });
});
