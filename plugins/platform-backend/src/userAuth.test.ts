import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import request from 'supertest';
import {
  ADMIN,
  ALICE,
  BOB,
  eventually,
  startPlatform,
  TEAM_A,
  testDatabaseIds,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = TestDatabases.create({
  ids: testDatabaseIds(),
  disableDocker: true,
});

const as = (user: string) => ({
  Authorization: mockCredentials.user.header(user),
});

/** An unsigned JWT: the platform reads only `exp`; the target verifies the rest. */
function idToken(subject: string, expiresInSeconds = 3600) {
  const part = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({
    sub: subject,
    exp: Math.floor(Date.now() / 1000) + expiresInSeconds,
  })}.signature`;
}

const ALICE_TOKEN = idToken('alice@example.com');
const BOB_TOKEN = idToken('bob@example.com');
const ADMIN_TOKEN = idToken('admin@example.com');

const withToken = (user: string, token: string) => ({
  ...as(user),
  'Trellis-Engine-Authorization': `Bearer ${token}`,
});

/** A cluster that trusts the portal's OIDC provider: changes act as the user. */
function clusterEngine(
  options: ConstructorParameters<typeof InMemoryEngine>[0] = {},
) {
  const engine = new InMemoryEngine({
    id: 'cluster',
    title: 'Kubernetes (cluster)',
    capabilities: [testCapability()],
    userAuth: { provider: 'okta' },
    ...options,
  });
  for (const token of [ALICE_TOKEN, BOB_TOKEN, ADMIN_TOKEN]) {
    engine.trustedTokens.add(token);
  }
  return engine;
}

const body = (name: string, environment = 'dev') => ({
  capabilityRef: 'cluster:database',
  name,
  environment,
  owner: TEAM_A,
  spec: {},
});

describe.each(databases.eachSupportedId())(
  'per-user token passthrough on %p',
  databaseId => {
    it('tells clients which provider to sign in with and refuses changes without a usable token', async () => {
      const knex = await databases.init(databaseId);
      const engine = clusterEngine();
      const { server } = await startPlatform({ knex, engines: [engine] });

      const capability = await request(server)
        .get('/api/platform/capabilities/cluster:database')
        .set(as(ALICE));
      expect(capability.body.userAuth).toEqual({ provider: 'okta' });

      const missing = await request(server)
        .post('/api/platform/resources')
        .set(as(ALICE))
        .send(body('no-token'));
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toMatch(
        /Trellis-Engine-Authorization: Kubernetes \(cluster\) makes changes with your own identity; send your okta ID token/,
      );

      const malformed = await request(server)
        .post('/api/platform/resources')
        .set({ ...as(ALICE), 'Trellis-Engine-Authorization': ALICE_TOKEN })
        .send(body('malformed'));
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.message).toMatch(
        /Trellis-Engine-Authorization: must be 'Bearer <token>'/,
      );

      const expired = await request(server)
        .post('/api/platform/resources')
        .set(withToken(ALICE, idToken('alice@example.com', -60)))
        .send(body('expired'));
      expect(expired.status).toBe(400);
      expect(expired.body.error.message).toMatch(
        /Trellis-Engine-Authorization: the token expired at .*sign in again/,
      );

      // A dry run validates the request; it does not need the token.
      const dryRun = await request(server)
        .post('/api/platform/resources?dryRun=true')
        .set(as(ALICE))
        .send(body('dry'));
      expect(dryRun.status).toBe(200);

      const list = await request(server)
        .get('/api/platform/resources')
        .set(as(ALICE));
      expect(list.body.items).toEqual([]);
      expect(engine.calls).toEqual([]);
    });

    it("applies, updates and deletes with the requesting user's token and lets it go once used", async () => {
      const knex = await databases.init(databaseId);
      const engine = clusterEngine({ autoReconcile: true });
      const platform = await startPlatform({ knex, engines: [engine] });
      const { server } = platform;

      const created = await request(server)
        .post('/api/platform/resources')
        .set(withToken(ALICE, ALICE_TOKEN))
        .send(body('orders-db'));
      expect(created.status).toBe(201);
      const id = created.body.id;
      await eventually(async () => {
        const res = await request(server)
          .get(`/api/platform/resources/${id}`)
          .set(as(ALICE));
        return res.body.status.phase === 'Ready' && !res.body.pending;
      }, 'Ready');
      expect(engine.calls).toEqual([
        {
          method: 'apply',
          target: id,
          context: { actor: ALICE, userToken: ALICE_TOKEN },
        },
      ]);

      const updated = await request(server)
        .patch(`/api/platform/resources/${id}`)
        .set(withToken(ALICE, ALICE_TOKEN))
        .send({ generation: 1, spec: { size: 'large' } });
      expect(updated.status).toBe(200);
      await eventually(() => engine.calls.length === 2, 'second apply');
      expect(engine.calls[1].context).toEqual({
        actor: ALICE,
        userToken: ALICE_TOKEN,
      });

      // Used tokens are gone: when the resync finds the instance lost, the
      // re-apply waits for someone's credentials instead of reusing Alice's.
      engine.instances.delete(id);
      await platform.runTask('platform-resync');
      await platform.runTask('platform-dispatch');
      const parked = await eventually(async () => {
        const res = await request(server)
          .get(`/api/platform/resources/${id}`)
          .set(as(ALICE));
        return res.body.pending?.state === 'awaiting-credentials' && res.body;
      }, 'awaiting credentials');
      expect(parked.pending).toMatchObject({
        action: 'apply',
        message: expect.stringMatching(
          /Kubernetes \(cluster\) makes changes with the requesting user's own identity \(okta sign-in\)/,
        ),
      });
      expect(engine.calls).toHaveLength(2);

      const retried = await request(server)
        .post(`/api/platform/resources/${id}/retry`)
        .set(withToken(ALICE, ALICE_TOKEN));
      expect(retried.status).toBe(202);
      await eventually(() => engine.calls.length === 3, 're-apply');
      expect(engine.calls[2]).toMatchObject({
        method: 'apply',
        context: { actor: ALICE, userToken: ALICE_TOKEN },
      });

      const deleted = await request(server)
        .delete(`/api/platform/resources/${id}`)
        .set(withToken(ALICE, ALICE_TOKEN));
      expect(deleted.status).toBe(202);
      await eventually(
        () => engine.calls.some(c => c.method === 'delete'),
        'delete',
      );
      expect(engine.calls.find(c => c.method === 'delete')?.context).toEqual({
        actor: ALICE,
        userToken: ALICE_TOKEN,
      });

      const events = platform.auditor.createEvent.mock.calls.map(
        ([event]) => event.eventId,
      );
      expect(events).toEqual(
        expect.arrayContaining([
          'resource-create',
          'resource-update',
          'resource-retry',
          'resource-delete',
        ]),
      );
    });

    it('keeps a request accepted before a restart waiting for credentials, never losing it', async () => {
      const knex = await databases.init(databaseId);
      // The first backend accepts the request and dies while applying it.
      const stuck = clusterEngine();
      stuck.apply = () => new Promise(() => {});
      const first = await startPlatform({ knex, engines: [stuck] });
      const created = await request(first.server)
        .post('/api/platform/resources')
        .set(withToken(ALICE, ALICE_TOKEN))
        .send(body('survivor'));
      expect(created.status).toBe(201);
      const id = created.body.id;
      await first.backend.stop();

      // The new process never saw Alice's token: it cannot act as her.
      const engine = clusterEngine();
      const second = await startPlatform({ knex, engines: [engine] });
      const parked = await eventually(async () => {
        await second.runTask('platform-dispatch');
        const res = await request(second.server)
          .get(`/api/platform/resources/${id}`)
          .set(as(ALICE));
        return res.body.pending?.state === 'awaiting-credentials' && res.body;
      }, 'awaiting credentials after the restart');
      expect(parked.status.phase).toBe('Pending');
      expect(parked.pending.message).toMatch(
        /no valid token to apply this resource with: it expired, the backend restarted/,
      );
      expect(engine.calls).toEqual([]);
      const history = await request(second.server)
        .get(`/api/platform/resources/${id}/history`)
        .set(as(ALICE));
      expect(history.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'dispatch-failed',
            reason: 'AwaitingCredentials',
          }),
        ]),
      );

      // Scheduled passes leave it alone: nothing is retried without a token.
      await second.runTask('platform-dispatch');
      expect(engine.calls).toEqual([]);

      const withoutToken = await request(second.server)
        .post(`/api/platform/resources/${id}/retry`)
        .set(as(ALICE));
      expect(withoutToken.status).toBe(400);
      expect(withoutToken.body.error.message).toMatch(
        /Trellis-Engine-Authorization/,
      );
      const notOwner = await request(second.server)
        .post(`/api/platform/resources/${id}/retry`)
        .set(withToken(BOB, BOB_TOKEN));
      expect(notOwner.status).toBe(403);

      const retried = await request(second.server)
        .post(`/api/platform/resources/${id}/retry`)
        .set(withToken(ALICE, ALICE_TOKEN));
      expect(retried.status).toBe(202);
      await eventually(() => engine.calls.length === 1, 'apply');
      expect(engine.calls[0]).toEqual({
        method: 'apply',
        target: id,
        context: { actor: ALICE, userToken: ALICE_TOKEN },
      });
      await eventually(async () => {
        const res = await request(second.server)
          .get(`/api/platform/resources/${id}`)
          .set(as(ALICE));
        return !res.body.pending;
      }, 'handed over');
    });

    it('waits for fresh credentials when the target rejects the token, and fails when it forbids the user', async () => {
      const knex = await databases.init(databaseId);
      const engine = clusterEngine();
      engine.trustedTokens.delete(ALICE_TOKEN);
      const { server } = await startPlatform({ knex, engines: [engine] });

      const created = await request(server)
        .post('/api/platform/resources')
        .set(withToken(ALICE, ALICE_TOKEN))
        .send(body('rejected'));
      const id = created.body.id;
      const parked = await eventually(async () => {
        const res = await request(server)
          .get(`/api/platform/resources/${id}`)
          .set(as(ALICE));
        return res.body.pending?.state === 'awaiting-credentials' && res.body;
      }, 'awaiting credentials');
      expect(parked.pending.message).toMatch(
        /rejected the token of user:default\/alice.*Waiting for fresh credentials/,
      );

      const fresh = idToken('alice@example.com', 1800);
      engine.trustedTokens.add(fresh);
      await request(server)
        .post(`/api/platform/resources/${id}/retry`)
        .set(withToken(ALICE, fresh))
        .expect(202);
      await eventually(() => engine.applied.length === 1, 'apply');
      expect(engine.calls[0].context?.userToken).toBe(fresh);

      // The cluster's RBAC forbids Alice this change: the resource fails
      // with the cluster's message, as for any other rejection.
      engine.failNextApply(
        new NotAllowedError(
          'User "alice@example.com" cannot patch resource "databases" in namespace "dev"',
        ),
      );
      await request(server)
        .patch(`/api/platform/resources/${id}`)
        .set(withToken(ALICE, fresh))
        .send({ generation: 1, spec: { size: 'large' } })
        .expect(200);
      await eventually(async () => {
        const res = await request(server)
          .get(`/api/platform/resources/${id}`)
          .set(as(ALICE));
        return (
          res.body.status.phase === 'Failed' &&
          /cannot patch resource "databases"/.test(res.body.status.message)
        );
      }, 'Failed with the cluster message');
    });

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
          .send(body(name));
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
        .send({ ...body('plain'), capabilityRef: 'local:database' });
      expect(created.status).toBe(201);
      await eventually(() => local.calls.length === 1, 'apply');
      expect(local.calls[0].context).toEqual({ actor: ALICE });
    });
  },
);
