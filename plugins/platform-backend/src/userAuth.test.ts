import { NotAllowedError } from '@backstage/errors';
import request from 'supertest';
import {
  ALICE,
  asUser,
  BOB,
  createTestDatabases,
  eventually,
  startPlatform,
} from './__testUtils__/harness';
import {
  ALICE_TOKEN,
  BOB_TOKEN,
  clusterEngine,
  clusterRequest,
  idToken,
  withToken,
} from './__testUtils__/userTokens';

// Engines that act as the user: resource changes carry the requester's token.

jest.setTimeout(60_000);

const databases = createTestDatabases();
const as = asUser;

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
        .send(clusterRequest('no-token'));
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toMatch(
        /Trellis-Engine-Authorization: Kubernetes \(cluster\) makes changes with your own identity; send your okta ID token/,
      );

      const malformed = await request(server)
        .post('/api/platform/resources')
        .set({ ...as(ALICE), 'Trellis-Engine-Authorization': ALICE_TOKEN })
        .send(clusterRequest('malformed'));
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.message).toMatch(
        /Trellis-Engine-Authorization: must be 'Bearer <token>'/,
      );

      const expired = await request(server)
        .post('/api/platform/resources')
        .set(withToken(ALICE, idToken('alice@example.com', -60)))
        .send(clusterRequest('expired'));
      expect(expired.status).toBe(400);
      expect(expired.body.error.message).toMatch(
        /Trellis-Engine-Authorization: the token expired at .*sign in again/,
      );

      // A dry run validates the request; it does not need the token.
      const dryRun = await request(server)
        .post('/api/platform/resources?dryRun=true')
        .set(as(ALICE))
        .send(clusterRequest('dry'));
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
        .send(clusterRequest('orders-db'));
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
      // Triggering a task only asks the scheduler to run it: the resync may
      // still be running when the first dispatch pass has come and gone, so
      // ask for a pass on every poll (as the restart test below does).
      const parked = await eventually(async () => {
        await platform.runTask('platform-dispatch');
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
        .send(clusterRequest('survivor'));
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
        .send(clusterRequest('rejected'));
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
  },
);
