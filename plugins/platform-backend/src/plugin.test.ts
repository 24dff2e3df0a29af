import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { InputError } from '@backstage/errors';
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
  TEAM_B,
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

function newEngine(
  options: ConstructorParameters<typeof InMemoryEngine>[0] = {},
) {
  return new InMemoryEngine({
    id: 'memory',
    capabilities: [
      testCapability(),
      testCapability({
        name: 'queue',
        title: 'Queue',
        inputSchema: { type: 'object', properties: {} },
      }),
    ],
    ...options,
  });
}

const request1 = {
  capabilityRef: 'memory:database',
  name: 'orders-db',
  environment: 'dev',
  owner: TEAM_A,
  component: 'component:default/orders',
  spec: { size: 'medium' },
};

describe.each(databases.eachSupportedId())('platform API on %p', databaseId => {
  async function start(
    options: Partial<Parameters<typeof startPlatform>[0]> = {},
  ) {
    const knex = await databases.init(databaseId);
    const engine = newEngine();
    const platform = await startPlatform({
      knex,
      engines: [engine],
      ...options,
    });
    return { ...platform, engine, knex };
  }

  it('answers health without credentials and lists capabilities', async () => {
    const { server } = await start();
    await request(server)
      .get('/api/platform/health')
      .expect(200, {
        status: 'ok',
        engines: [{ id: 'memory', title: 'In-memory test engine' }],
      });

    const list = await request(server)
      .get('/api/platform/capabilities')
      .set(as(ALICE));
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: any) => c.ref)).toEqual([
      'memory:database',
      'memory:queue',
    ]);
    expect(list.body.items[0]).toMatchObject({
      engine: 'memory',
      version: '1.0.0',
      versions: ['1.0.0', '2.0.0'],
      available: true,
      owner: 'group:default/platform-team',
    });

    await request(server)
      .get('/api/platform/capabilities/memory:database')
      .set(as(ALICE))
      .expect(200);
    const missing = await request(server)
      .get('/api/platform/capabilities/memory:nope')
      .set(as(ALICE));
    expect(missing.status).toBe(404);
    expect(missing.body.error.name).toBe('NotFoundError');
  });

  it('accepts a request, tells the engine, and follows its status to Ready', async () => {
    const { server, engine } = await start();

    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(request1);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      capabilityRef: 'memory:database',
      name: 'orders-db',
      owner: TEAM_A,
      requestedBy: ALICE,
      component: 'component:default/orders',
      spec: { size: 'medium', replicas: 1 },
      generation: 1,
      status: { phase: 'Pending' },
    });
    const id = created.body.id;

    await eventually(() => engine.applyCount(id) === 1, 'apply');
    expect(engine.applied[0]).toMatchObject({
      resourceId: id,
      capability: 'database',
      name: 'orders-db',
      spec: { size: 'medium', replicas: 1 },
      generation: 1,
      version: '1.0.0',
    });

    engine.report(id, { phase: 'Provisioning' });
    engine.report(id, {
      phase: 'Ready',
      observedGeneration: 1,
      outputs: { host: 'orders-db.local', port: 5432 },
      conditions: [
        { type: 'Reconciled', status: 'True', reason: 'Reconciled' },
      ],
    });

    const ready = await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}`)
        .set(as(ALICE));
      return res.body.status?.phase === 'Ready' ? res.body : undefined;
    }, 'Ready');
    expect(ready).toMatchObject({
      observedGeneration: 1,
      outputs: { host: 'orders-db.local', port: 5432 },
      appliedVersion: '1.0.0',
      status: { conditions: [{ type: 'Reconciled', status: 'True' }] },
    });
    expect(ready.readyAt).toEqual(expect.any(String));

    const history = await request(server)
      .get(`/api/platform/resources/${id}/history`)
      .set(as(ALICE));
    expect(
      history.body.items.map((e: any) => [e.type, e.fromPhase, e.toPhase]),
    ).toEqual([
      ['requested', undefined, 'Pending'],
      ['phase-changed', 'Pending', 'Provisioning'],
      ['phase-changed', 'Provisioning', 'Ready'],
    ]);
    expect(history.body.items[0].actor).toBe(ALICE);
  });

  it('names the offending field of every invalid request', async () => {
    const { server, engine } = await start();
    const post = (body: object) =>
      request(server).post('/api/platform/resources').set(as(ALICE)).send(body);

    const cases: Array<[object, RegExp]> = [
      [
        { ...request1, name: 'Orders_DB' },
        /name: must consist of lower-case letters/,
      ],
      [
        { ...request1, name: 'a'.repeat(64) },
        /name: must be at most 63 characters/,
      ],
      [{ ...request1, name: '../etc' }, /name: must consist/],
      [{ ...request1, environment: 'prod env' }, /environment: must consist/],
      [
        { ...request1, owner: 'group:default/' },
        /owner: must be an entity ref/,
      ],
      [{ ...request1, component: 'component:' }, /component:/],
      [
        { ...request1, capabilityRef: 'memory:nope' },
        /capabilityRef: no capability memory:nope/,
      ],
      [
        { ...request1, spec: { size: 'huge' } },
        /spec\.size: must be one of "small", "medium", "large"/,
      ],
      [{ ...request1, spec: { replicas: 9 } }, /spec\.replicas: must be <= 5/],
      [
        { ...request1, spec: { colour: 'red' } },
        /spec\.colour: is not a field of this capability/,
      ],
      [
        { ...request1, spec: { big: 'x'.repeat(300 * 1024) } },
        /spec: is \d+ bytes; the limit is 262144 bytes/,
      ],
      [
        { capabilityRef: 'memory:database', environment: 'dev', owner: TEAM_A },
        /name/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error.name).toBe('InputError');
      expect(res.body.error.message).toMatch(message);
    }
    const list = await request(server)
      .get('/api/platform/resources')
      .set(as(ALICE));
    expect(list.body.totalCount).toBe(0);
    expect(engine.applied).toHaveLength(0);
  });

  it('answers a dry run with defaults applied and stores nothing', async () => {
    const { server, engine } = await start();
    const res = await request(server)
      .post('/api/platform/resources?dryRun=true')
      .set(as(ALICE))
      .send({ ...request1, spec: {} });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      spec: { size: 'small', replicas: 1 },
      status: { phase: 'Pending' },
    });
    const list = await request(server)
      .get('/api/platform/resources')
      .set(as(ALICE));
    expect(list.body.totalCount).toBe(0);
    expect(engine.applied).toHaveLength(0);
  });

  it('honours Idempotency-Key and refuses duplicate names', async () => {
    const { server, engine } = await start();
    const post = (key?: string, body: object = request1) => {
      const req = request(server)
        .post('/api/platform/resources')
        .set(as(ALICE));
      if (key) req.set('Idempotency-Key', key);
      return req.send(body);
    };
    const first = await post('key-1');
    const retry = await post('key-1');
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);

    const reused = await post('key-1', { ...request1, name: 'other-db' });
    expect(reused.status).toBe(409);
    expect(reused.body.error.message).toMatch(
      /Idempotency-Key: was already used/,
    );

    const duplicate = await post(undefined);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.message).toMatch(
      /already exists in environment 'dev'/,
    );

    // The same name in another environment is a different resource.
    expect(
      (await post(undefined, { ...request1, environment: 'staging' })).status,
    ).toBe(201);
    await eventually(() => engine.applied.length === 2, 'applies');
    expect(engine.applyCount(first.body.id)).toBe(1);
  });

  it('checks permissions: owners manage, production needs its own grant', async () => {
    const { server, engine } = await start();
    const forOtherTeam = await request(server)
      .post('/api/platform/resources')
      .set(as(BOB))
      .send(request1);
    expect(forOtherTeam.status).toBe(403);
    expect(forOtherTeam.body.error.message).toMatch(
      /may not request memory:database for owner group:default\/team-a/,
    );

    const prod = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send({ ...request1, environment: 'production' });
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

  it('answers 404 for what does not exist', async () => {
    const { server } = await start();
    for (const [method, path] of [
      ['get', '/api/platform/resources/nope'],
      ['delete', '/api/platform/resources/nope'],
      ['get', '/api/platform/resources/nope/history'],
      ['get', '/api/platform/rollouts/nope'],
    ] as const) {
      const res = await request(server)[method](path).set(as(ADMIN));
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });

  it('updates specs with optimistic concurrency', async () => {
    const { server, engine } = await start();
    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(request1);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
    engine.report(id, { phase: 'Ready', observedGeneration: 1 });
    await eventually(
      async () =>
        (
          await request(server)
            .get(`/api/platform/resources/${id}`)
            .set(as(ALICE))
        ).body.status.phase === 'Ready',
      'Ready',
    );

    const updated = await request(server)
      .patch(`/api/platform/resources/${id}`)
      .set(as(ALICE))
      .send({ spec: { size: 'large' }, generation: 1 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      generation: 2,
      spec: { size: 'large', replicas: 1 },
      status: { phase: 'Updating' },
    });
    await eventually(
      () => engine.applyCount(id, 2) === 1,
      'apply of generation 2',
    );

    const stale = await request(server)
      .patch(`/api/platform/resources/${id}`)
      .set(as(ALICE))
      .send({ spec: { size: 'small' }, generation: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/is at generation 2, not 1/);

    const invalid = await request(server)
      .patch(`/api/platform/resources/${id}`)
      .set(as(ALICE))
      .send({ spec: { size: 'tiny' }, generation: 2 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/spec\.size/);

    // A failed resource goes Updating on a spec change: a fix is on its way.
    engine.report(id, {
      phase: 'Failed',
      message: 'out of disk',
      observedGeneration: 2,
    });
    await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}`)
        .set(as(ALICE));
      return res.body.status.phase === 'Failed';
    }, 'Failed');
    const retry = await request(server)
      .patch(`/api/platform/resources/${id}`)
      .set(as(ALICE))
      .send({ spec: { size: 'large', replicas: 2 }, generation: 2 });
    expect(retry.body).toMatchObject({
      generation: 3,
      status: { phase: 'Updating' },
    });

    // The engine catching up on generation 3 makes it Ready again.
    engine.report(id, {
      phase: 'Ready',
      observedGeneration: 3,
      message: undefined,
    });
    await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}`)
        .set(as(ALICE));
      return (
        res.body.status.phase === 'Ready' && res.body.observedGeneration === 3
      );
    }, 'Ready at generation 3');
  });

  it('deletes through the engine and keeps the history', async () => {
    const { server, engine } = await start();
    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(request1);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
    engine.report(id, { phase: 'Ready', observedGeneration: 1 });

    const deleting = await request(server)
      .delete(`/api/platform/resources/${id}`)
      .set(as(ALICE));
    expect(deleting.status).toBe(202);
    await eventually(
      () => engine.deleted.some(d => d.resourceId === id),
      'engine delete',
    );
    engine.finishDelete(id);

    const deleted = await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}`)
        .set(as(ALICE));
      return res.body.status.phase === 'Deleted' ? res.body : undefined;
    }, 'Deleted');
    expect(deleted.deletedAt).toEqual(expect.any(String));

    const live = await request(server)
      .get('/api/platform/resources')
      .set(as(ALICE));
    expect(live.body.totalCount).toBe(0);
    const all = await request(server)
      .get('/api/platform/resources?includeDeleted=true')
      .set(as(ALICE));
    expect(all.body.totalCount).toBe(1);

    const history = await request(server)
      .get(`/api/platform/resources/${id}/history`)
      .set(as(ALICE));
    expect(history.body.items.map((e: any) => e.type)).toEqual([
      'requested',
      'phase-changed',
      'delete-requested',
      'phase-changed',
      'phase-changed',
      'deleted',
    ]);

    // The name is free again.
    expect(
      (
        await request(server)
          .post('/api/platform/resources')
          .set(as(ALICE))
          .send(request1)
      ).status,
    ).toBe(201);
  });

  it('lists with filters, a stable order and cursor pages, filtering by permission in SQL', async () => {
    const { server } = await start({ readOnlyOwn: true });
    const names = [
      'alpha',
      'bravo',
      'charlie',
      'delta',
      'echo',
      'foxtrot',
      'golf',
    ];
    for (const [i, name] of names.entries()) {
      const res = await request(server)
        .post('/api/platform/resources')
        .set(as(i % 2 ? BOB : ALICE))
        .send({
          capabilityRef: i < 4 ? 'memory:database' : 'memory:queue',
          name,
          environment: i % 3 ? 'dev' : 'staging',
          owner: i % 2 ? TEAM_B : TEAM_A,
          component: `component:default/${i < 2 ? 'shop' : 'ledger'}`,
          spec: {},
        });
      expect(res.status).toBe(201);
    }

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const res = await request(server)
        .get('/api/platform/resources')
        .query({ limit: 3, ...(cursor ? { cursor } : {}) })
        .set(as(ADMIN));
      expect(res.status).toBe(200);
      expect(res.body.totalCount).toBe(7);
      pages.push(res.body.items.map((r: any) => r.name));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual([
      ['alpha', 'bravo', 'charlie'],
      ['delta', 'echo', 'foxtrot'],
      ['golf'],
    ]);

    const desc = await request(server)
      .get('/api/platform/resources?orderBy=name&order=desc&limit=2')
      .set(as(ADMIN));
    expect(desc.body.items.map((r: any) => r.name)).toEqual([
      'golf',
      'foxtrot',
    ]);

    // Pages over a column with ties (every phase is Pending) follow the id
    // tiebreak in both directions: every resource once, none skipped.
    for (const order of ['asc', 'desc']) {
      const ids: string[] = [];
      let next: string | undefined;
      do {
        const res = await request(server)
          .get('/api/platform/resources')
          .query({
            orderBy: 'phase',
            order,
            limit: 2,
            ...(next ? { cursor: next } : {}),
          })
          .set(as(ADMIN));
        expect(res.status).toBe(200);
        ids.push(...res.body.items.map((r: any) => r.id));
        next = res.body.nextCursor;
      } while (next);
      const sorted = [...ids].sort();
      expect(ids).toEqual(order === 'asc' ? sorted : sorted.reverse());
      expect(new Set(ids).size).toBe(7);
    }

    const query = async (q: string, user = ADMIN) => {
      const res = await request(server)
        .get(`/api/platform/resources?${q}`)
        .set(as(user));
      expect({ q, status: res.status, error: res.body.error }).toEqual({
        q,
        status: 200,
        error: undefined,
      });
      return res.body.items.map((r: any) => r.name);
    };
    expect(await query('capabilityRef=memory:queue')).toEqual([
      'echo',
      'foxtrot',
      'golf',
    ]);
    expect(await query('environment=staging')).toEqual([
      'alpha',
      'delta',
      'golf',
    ]);
    expect(await query('owner=group:default/team-b')).toEqual([
      'bravo',
      'delta',
      'foxtrot',
    ]);
    expect(await query('component=component:default/shop')).toEqual([
      'alpha',
      'bravo',
    ]);
    expect(await query('phase=Pending&phase=Ready')).toHaveLength(7);
    expect(await query('phase=Ready')).toEqual([]);
    expect(await query('text=OXT')).toEqual(['foxtrot']);
    expect(await query('text=ledger&environment=dev')).toEqual([
      'charlie',
      'echo',
      'foxtrot',
    ]);

    // Conditional read decisions become SQL: Bob sees only team-b's.
    const bob = await request(server)
      .get('/api/platform/resources')
      .set(as(BOB));
    expect(bob.body.items.map((r: any) => r.name)).toEqual([
      'bravo',
      'delta',
      'foxtrot',
    ]);
    expect(bob.body.totalCount).toBe(3);
    const hidden = (
      await request(server)
        .get('/api/platform/resources?owner=group:default/team-a')
        .set(as(ADMIN))
    ).body.items[0];
    expect(
      (
        await request(server)
          .get(`/api/platform/resources/${hidden.id}`)
          .set(as(BOB))
      ).status,
    ).toBe(404);

    const bad = await request(server)
      .get('/api/platform/resources?phase=Running')
      .set(as(ADMIN));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/phase/);
    const badLimit = await request(server)
      .get('/api/platform/resources?limit=5000')
      .set(as(ADMIN));
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.message).toMatch(/limit/);
    const badCursor = await request(server)
      .get('/api/platform/resources?cursor=garbage')
      .set(as(ADMIN));
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.message).toMatch(/cursor/);

    const fleet = await request(server)
      .get('/api/platform/fleet')
      .set(as(ADMIN));
    expect(fleet.body.items).toEqual(
      expect.arrayContaining([
        {
          capabilityRef: 'memory:database',
          version: null,
          phase: expect.any(String),
          count: expect.any(Number),
        },
      ]),
    );
    expect(
      fleet.body.items.reduce((sum: number, i: any) => sum + i.count, 0),
    ).toBe(7);
    const bobFleet = await request(server)
      .get('/api/platform/fleet')
      .set(as(BOB));
    expect(
      bobFleet.body.items.reduce((sum: number, i: any) => sum + i.count, 0),
    ).toBe(3);
  });

  it('keeps requests Pending while the engine is down and applies them when it is back', async () => {
    const { server, engine, runTask } = await start();
    engine.setAvailable(false);

    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(request1);
    expect(created.status).toBe(201);
    const id = created.body.id;

    const history = await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}/history`)
        .set(as(ALICE));
      return res.body.items.some((e: any) => e.type === 'dispatch-failed')
        ? res.body.items
        : undefined;
    }, 'dispatch failure recorded');
    expect(
      history.find((e: any) => e.type === 'dispatch-failed').message,
    ).toMatch(/Engine memory is unavailable; retrying with backoff/);
    expect(
      (
        await request(server)
          .get(`/api/platform/resources/${id}`)
          .set(as(ALICE))
      ).body.status.phase,
    ).toBe('Pending');

    // Still down: the scheduled pass retries and fails again, nothing is lost.
    await new Promise(r => setTimeout(r, 100));
    await runTask('platform-dispatch');
    expect(engine.applied).toHaveLength(0);

    engine.setAvailable(true);
    await eventually(async () => {
      await runTask('platform-dispatch');
      return engine.applyCount(id) === 1;
    }, 'apply after recovery');
    engine.report(id, { phase: 'Ready', observedGeneration: 1 });
    await eventually(
      async () =>
        (
          await request(server)
            .get(`/api/platform/resources/${id}`)
            .set(as(ALICE))
        ).body.status.phase === 'Ready',
      'Ready',
    );
  });

  it('fails a request the engine rejects, with the engine message', async () => {
    const { server, engine } = await start();
    engine.failNextApply(
      new InputError('quota exceeded: team-a may have 3 databases'),
    );
    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(request1);
    const failed = await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${created.body.id}`)
        .set(as(ALICE));
      return res.body.status.phase === 'Failed' ? res.body : undefined;
    }, 'Failed');
    expect(failed.status.message).toBe(
      'quota exceeded: team-a may have 3 databases',
    );
  });

  it('records the changes of one resource in the order the engine sent them', async () => {
    const { server, engine } = await start();
    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(request1);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
    // A burst of pushes, sent synchronously: the last one must win.
    engine.report(id, { phase: 'Provisioning' });
    engine.report(id, { phase: 'Ready', observedGeneration: 1 });
    engine.report(id, { phase: 'Failed', message: 'disk full' });
    const history = await eventually(async () => {
      const res = await request(server)
        .get(`/api/platform/resources/${id}/history`)
        .set(as(ALICE));
      const phases = res.body.items
        .filter((e: any) => e.type === 'phase-changed')
        .map((e: any) => e.toPhase);
      return phases.length === 3 ? phases : undefined;
    }, 'three transitions');
    expect(history).toEqual(['Provisioning', 'Ready', 'Failed']);
    const res = await request(server)
      .get(`/api/platform/resources/${id}`)
      .set(as(ALICE));
    expect(res.body.status).toMatchObject({
      phase: 'Failed',
      message: 'disk full',
    });
  });

  it('heals a change the watch missed with the periodic resync', async () => {
    const { server, engine, runTask } = await start();
    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(request1);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
    // The engine moves on without pushing (a dropped watch).
    engine.instances.set(id, {
      ...engine.instances.get(id)!,
      phase: 'Degraded',
      message: 'works failing',
    });
    await runTask('platform-resync');
    const res = await request(server)
      .get(`/api/platform/resources/${id}`)
      .set(as(ALICE));
    expect(res.body.status).toMatchObject({
      phase: 'Degraded',
      message: 'works failing',
    });

    // The engine lost the resource altogether: it is applied again.
    engine.instances.delete(id);
    await runTask('platform-resync');
    await eventually(async () => {
      await runTask('platform-dispatch');
      return engine.applyCount(id) === 2;
    }, 're-apply');
  });

  it('pushes status changes as signals per resource and per component, and audits mutations', async () => {
    const publish = jest.fn(async (_signal: unknown) => {});
    const { server, engine, auditor } = await start({
      extraFeatures: [
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({ publish }),
        }),
      ],
    });

    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send(request1);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
    publish.mockClear();
    engine.report(id, { phase: 'Ready', observedGeneration: 1 });
    await eventually(() => publish.mock.calls.length >= 2, 'signals');
    // Broadcast, so content-free: browsers read the resource again.
    expect(publish).toHaveBeenCalledWith({
      recipients: { type: 'broadcast' },
      channel: `platform:resource:${id}`,
      message: { type: 'changed' },
    });
    expect(publish).toHaveBeenCalledWith(
      expect.objectContaining({
        channel: 'platform:entity:component:default/orders',
      }),
    );
    expect(auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'resource-create',
        severityLevel: 'medium',
      }),
    );
  });
});
