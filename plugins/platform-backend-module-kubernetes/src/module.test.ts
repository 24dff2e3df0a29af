import { startTestBackend } from '@backstage/backend-test-utils';
import platformPlugin from '@trellis/backstage-plugin-platform-backend';
import request from 'supertest';
import { platformModuleKubernetes } from './module';

describe('platformModuleKubernetes', () => {
  it('installs into the platform plugin without registering an engine yet', async () => {
    const { server } = await startTestBackend({
      features: [platformPlugin, platformModuleKubernetes],
    });

    const res = await request(server).get('/api/platform/health');

    expect(res.status).toBe(200);
    expect(res.body.engines).toEqual([]);
  });
});
