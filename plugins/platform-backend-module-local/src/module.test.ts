import { startTestBackend } from '@backstage/backend-test-utils';
import platformPlugin from '@trellis/backstage-plugin-platform-backend';
import request from 'supertest';
import { platformModuleLocal } from './module';

describe('platformModuleLocal', () => {
  it('installs into the platform plugin without registering an engine yet', async () => {
    const { server } = await startTestBackend({
      features: [platformPlugin, platformModuleLocal],
    });

    const res = await request(server).get('/api/platform/health');

    expect(res.status).toBe(200);
    expect(res.body.engines).toEqual([]);
  });
});
