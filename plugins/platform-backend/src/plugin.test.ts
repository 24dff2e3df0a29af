import { startTestBackend } from '@backstage/backend-test-utils';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { platformEnginesExtensionPoint } from '@trellis/backstage-plugin-platform-node';
import request from 'supertest';
import { platformPlugin } from './plugin';

function engineModule(moduleId: string, engine: { id: string; title: string }) {
  return createBackendModule({
    pluginId: 'platform',
    moduleId,
    register(reg) {
      reg.registerInit({
        deps: { engines: platformEnginesExtensionPoint },
        async init({ engines }) {
          engines.addEngine(engine);
        },
      });
    },
  });
}

describe('platform backend plugin', () => {
  it('answers GET /api/platform/health without credentials', async () => {
    const { server } = await startTestBackend({ features: [platformPlugin] });

    const res = await request(server).get('/api/platform/health');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', engines: [] });
  });

  it('lists the engines that modules registered', async () => {
    const { server } = await startTestBackend({
      features: [
        platformPlugin,
        engineModule('one', { id: 'local', title: 'Local engine' }),
      ],
    });

    const res = await request(server).get('/api/platform/health');

    expect(res.body.engines).toEqual([{ id: 'local', title: 'Local engine' }]);
  });

  it('refuses to start when two engines claim the same id', async () => {
    await expect(
      startTestBackend({
        features: [
          platformPlugin,
          engineModule('one', { id: 'local', title: 'A' }),
          engineModule('two', { id: 'local', title: 'B' }),
        ],
      }),
    ).rejects.toThrow(/already registered/);
  });
});
