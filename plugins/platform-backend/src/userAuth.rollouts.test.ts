import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import request from 'supertest';
import {
  ADMIN,
  ALICE,
  asUser,
  createTestDatabases,
  eventually,
  startPlatform,
} from './__testUtils__/harness';
import {
  ADMIN_TOKEN,
  ALICE_TOKEN,
  clusterEngine,
  clusterRequest,
  idToken,
  withToken,
} from './__testUtils__/userTokens';

// Engines that act as the user: rollouts and reconciles carry the caller's token.

jest.setTimeout(60_000);

const databases = createTestDatabases();
const as = asUser;

describe.each(databases.eachSupportedId())(
  'per-user token passthrough for rollouts and reconciles on %p',
  databaseId => {
    it("runs rollouts with the starter's token, pauses when it expires and resumes with the resumer's", async () => {
      const knex = await databases.init(databaseId);
      const engine = clusterEngine({ autoReconcile: true });
      const platform = await startPlatform({ knex, engines: [engine] });
      const { server } = platform;
      const ids: string[] = [];
      for (const name of ['one', 'two']) {
        const created = await request(server)
          .post('/api/platform/resources')
          .set(withToken(ALICE, ALICE_TOKEN))
          .send(clusterRequest(name));
        ids.push(created.body.id);
      }
      await eventually(async () => {
        const res = await request(server)
          .get('/api/platform/resources?phase=Ready')
          .set(as(ALICE));
        return res.body.items.length === 2;
      }, 'both Ready');

      const refused = await request(server)
        .post('/api/platform/rollouts')
        .set(as(ADMIN))
        .send({ capabilityRef: 'cluster:database', targetVersion: '2.0.0' });
      expect(refused.status).toBe(400);

      // The token counts as expired 30 s before its `exp`: this one has ~2 s.
      const shortLived = idToken('admin@example.com', 32);
      engine.trustedTokens.add(shortLived);
      const started = await request(server)
        .post('/api/platform/rollouts')
        .set(withToken(ADMIN, shortLived))
        .send({
          capabilityRef: 'cluster:database',
          targetVersion: '2.0.0',
          waveSize: 1,
          pauseSeconds: 3,
        });
      expect(started.status).toBe(201);
      const rolloutId = started.body.id;
      await eventually(async () => {
        await platform.runTask('platform-rollouts');
        return engine.upgrades.length === 1;
      }, 'first wave');
      expect(engine.calls.find(c => c.method === 'upgrade')?.context).toEqual({
        actor: ADMIN,
        userToken: shortLived,
      });

      const paused = await eventually(
        async () => {
          await platform.runTask('platform-rollouts');
          const res = await request(server)
            .get(`/api/platform/rollouts/${rolloutId}`)
            .set(as(ADMIN));
          return res.body.status === 'Paused' && res.body;
        },
        'paused for credentials',
        20_000,
      );
      expect(paused.message).toMatch(
        /Kubernetes \(cluster\) upgrades with the user's own identity \(okta sign-in\).*Resume to continue with your credentials/,
      );
      expect(engine.upgrades).toHaveLength(1);

      await request(server)
        .post(`/api/platform/rollouts/${rolloutId}/resume`)
        .set(as(ADMIN))
        .expect(400);
      await request(server)
        .post(`/api/platform/rollouts/${rolloutId}/resume`)
        .set(withToken(ADMIN, ADMIN_TOKEN))
        .expect(200);
      await eventually(async () => {
        await platform.runTask('platform-rollouts');
        const res = await request(server)
          .get(`/api/platform/rollouts/${rolloutId}`)
          .set(as(ADMIN));
        return res.body.status === 'Completed';
      }, 'completed');
      const upgrades = engine.calls.filter(c => c.method === 'upgrade');
      expect(upgrades.map(c => c.context?.userToken)).toEqual([
        shortLived,
        ADMIN_TOKEN,
      ]);
    });

    it('passes the token to reconcileAll and never to engines that act as themselves', async () => {
      const knex = await databases.init(databaseId);
      const cluster = clusterEngine();
      cluster.reconcileAll = async (capability, context) =>
        cluster.record('reconcileAll', capability, context);
      const local = new InMemoryEngine({
        id: 'local',
        capabilities: [testCapability()],
        autoReconcile: true,
      });
      const { server } = await startPlatform({
        knex,
        engines: [cluster, local],
      });

      await request(server)
        .post('/api/platform/capabilities/cluster:database/reconcile')
        .set(as(ADMIN))
        .expect(400);
      await request(server)
        .post('/api/platform/capabilities/cluster:database/reconcile')
        .set(withToken(ADMIN, ADMIN_TOKEN))
        .expect(202);
      expect(cluster.calls).toEqual([
        {
          method: 'reconcileAll',
          target: 'database',
          context: { actor: ADMIN, userToken: ADMIN_TOKEN },
        },
      ]);

      const localCapability = await request(server)
        .get('/api/platform/capabilities/local:database')
        .set(as(ALICE));
      expect(localCapability.body.userAuth).toBeUndefined();
      const created = await request(server)
        .post('/api/platform/resources')
        .set(withToken(ALICE, ALICE_TOKEN))
        .send({ ...clusterRequest('plain'), capabilityRef: 'local:database' });
      expect(created.status).toBe(201);
      await eventually(() => local.calls.length === 1, 'apply');
      expect(local.calls[0].context).toEqual({ actor: ALICE });
    });
  },
);
