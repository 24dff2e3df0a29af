import request from 'supertest';
import {
  ADMIN,
  ALICE,
  asUser,
  eventually,
  ORDERS_DB_REQUEST,
  describePlatformApi,
  TEAM_A,
} from './__testUtils__/harness';

// Requests: health, capabilities, create, validation, dry runs, idempotency, 404s.

jest.setTimeout(60_000);

const as = asUser;

describePlatformApi('platform API on %p', start => {
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
      .send(ORDERS_DB_REQUEST);
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
        { ...ORDERS_DB_REQUEST, name: 'Orders_DB' },
        /name: must consist of lower-case letters/,
      ],
      [
        { ...ORDERS_DB_REQUEST, name: 'a'.repeat(64) },
        /name: must be at most 63 characters/,
      ],
      [{ ...ORDERS_DB_REQUEST, name: '../etc' }, /name: must consist/],
      [
        { ...ORDERS_DB_REQUEST, environment: 'prod env' },
        /environment: must consist/,
      ],
      [
        { ...ORDERS_DB_REQUEST, owner: 'group:default/' },
        /owner: must be an entity ref/,
      ],
      [{ ...ORDERS_DB_REQUEST, component: 'component:' }, /component:/],
      [
        { ...ORDERS_DB_REQUEST, capabilityRef: 'memory:nope' },
        /capabilityRef: no capability memory:nope/,
      ],
      [
        { ...ORDERS_DB_REQUEST, spec: { size: 'huge' } },
        /spec\.size: must be one of "small", "medium", "large"/,
      ],
      [
        { ...ORDERS_DB_REQUEST, spec: { replicas: 9 } },
        /spec\.replicas: must be <= 5/,
      ],
      [
        { ...ORDERS_DB_REQUEST, spec: { colour: 'red' } },
        /spec\.colour: is not a field of this capability/,
      ],
      [
        { ...ORDERS_DB_REQUEST, spec: { big: 'x'.repeat(300 * 1024) } },
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
      .send({ ...ORDERS_DB_REQUEST, spec: {} });
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
    const post = (key?: string, body: object = ORDERS_DB_REQUEST) => {
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

    const reused = await post('key-1', {
      ...ORDERS_DB_REQUEST,
      name: 'other-db',
    });
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
      (await post(undefined, { ...ORDERS_DB_REQUEST, environment: 'staging' }))
        .status,
    ).toBe(201);
    await eventually(() => engine.applied.length === 2, 'applies');
    expect(engine.applyCount(first.body.id)).toBe(1);
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
});
