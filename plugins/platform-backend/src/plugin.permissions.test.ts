import request from 'supertest';
import {
  ADMIN,
  ALICE,
  asUser,
  BOB,
  eventually,
  ORDERS_DB_REQUEST,
  describePlatformApi,
} from './__testUtils__/harness';

// Who may do what: owners, production, reconcile, rollouts.

jest.setTimeout(60_000);

const as = asUser;

describePlatformApi('platform API permissions on %p', start => {
  it('checks permissions: owners manage, production needs its own grant', async () => {
    const { server, engine } = await start();
    const forOtherTeam = await request(server)
      .post('/api/platform/resources')
      .set(as(BOB))
      .send(ORDERS_DB_REQUEST);
    expect(forOtherTeam.status).toBe(403);
    expect(forOtherTeam.body.error.message).toMatch(
      /may not request memory:database for owner group:default\/team-a/,
    );

    const prod = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send({ ...ORDERS_DB_REQUEST, environment: 'production' });
    expect(prod.status).toBe(201);
    const id = prod.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');

    const bobDelete = await request(server)
      .delete(`/api/platform/resources/${id}`)
      .set(as(BOB));
    expect(bobDelete.status).toBe(403);
    const bobUpdate = await request(server)
      .patch(`/api/platform/resources/${id}`)
      .set(as(BOB))
      .send({ spec: { size: 'large' }, generation: 1 });
    expect(bobUpdate.status).toBe(403);

    const aliceDelete = await request(server)
      .delete(`/api/platform/resources/${id}`)
      .set(as(ALICE));
    expect(aliceDelete.status).toBe(403);
    expect(aliceDelete.body.error.message).toMatch(
      /is in production: to delete it you need the platform.resource.production.change permission/,
    );

    const adminDelete = await request(server)
      .delete(`/api/platform/resources/${id}`)
      .set(as(ADMIN));
    expect(adminDelete.status).toBe(202);
    expect(adminDelete.body.status.phase).toBe('Deleting');

    const rollout = await request(server)
      .post('/api/platform/rollouts')
      .set(as(ALICE))
      .send({ capabilityRef: 'memory:database', targetVersion: '2.0.0' });
    expect(rollout.status).toBe(403);
  });

  it('re-runs every instance of a capability for the platform team only', async () => {
    const { server, engine } = await start();
    const reconciled: string[] = [];
    engine.reconcileAll = async capability => {
      reconciled.push(capability);
    };
    const denied = await request(server)
      .post('/api/platform/capabilities/memory:database/reconcile')
      .set(as(ALICE));
    expect(denied.status).toBe(403);
    const accepted = await request(server)
      .post('/api/platform/capabilities/memory:database/reconcile')
      .set(as(ADMIN));
    expect(accepted.status).toBe(202);
    expect(reconciled).toEqual(['database']);

    engine.reconcileAll = undefined;
    const unsupported = await request(server)
      .post('/api/platform/capabilities/memory:database/reconcile')
      .set(as(ADMIN));
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error.message).toMatch(/cannot re-run/);
  });

  it('checks reconcile against its own permission, not rollout-create', async () => {
    const { server, engine } = await start({
      denied: ['platform.capability.reconcile'],
    });
    const reconciled: string[] = [];
    engine.reconcileAll = async capability => {
      reconciled.push(capability);
    };
    const denied = await request(server)
      .post('/api/platform/capabilities/memory:database/reconcile')
      .set(as(ADMIN));
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(
      /Missing permission platform.capability.reconcile/,
    );
    expect(reconciled).toEqual([]);
    // The admin still holds rollout-create.
    const rollout = await request(server)
      .post('/api/platform/rollouts')
      .set(as(ADMIN))
      .send({ capabilityRef: 'memory:database', targetVersion: '2.0.0' });
    expect(rollout.status).not.toBe(403);
  });

  it('shows rollouts only to who may read rollouts, not to every capability reader', async () => {
    const { server } = await start({ denied: ['platform.rollout.read'] });
    const capabilities = await request(server)
      .get('/api/platform/capabilities')
      .set(as(ALICE));
    expect(capabilities.status).toBe(200);
    expect(capabilities.body.items.length).toBeGreaterThan(0);
    for (const path of [
      '/api/platform/rollouts',
      '/api/platform/rollouts?capabilityRef=memory:database',
      '/api/platform/rollouts/some-id',
    ]) {
      const res = await request(server).get(path).set(as(ALICE));
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.body.error.message).toMatch(
        /Missing permission platform.rollout.read/,
      );
    }
  });
});
