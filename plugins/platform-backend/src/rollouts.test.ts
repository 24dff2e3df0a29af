import request from 'supertest';
import {
  ADMIN,
  ALICE,
  asUser,
  createTestDatabases,
  eventually,
  memoryEngine,
  startPlatform,
  TEAM_A,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('rollouts on %p', databaseId => {
  async function fleet(
    count: number,
    options: { supportsUpgrade?: boolean } = {},
  ) {
    const knex = await databases.init(databaseId);
    const engine = memoryEngine({
      autoReconcile: true,
      ...options,
    });
    const platform = await startPlatform({ knex, engines: [engine] });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await request(platform.server)
        .post('/api/platform/resources')
        .set(asUser(ALICE))
        .send({
          capabilityRef: 'memory:database',
          name: `db-${String(i).padStart(2, '0')}`,
          environment: i < 3 ? 'production' : 'dev',
          owner: TEAM_A,
          spec: {},
        });
      ids.push(res.body.id);
    }
    await eventually(async () => {
      const res = await request(platform.server)
        .get('/api/platform/resources?phase=Ready&limit=500')
        .set(asUser(ADMIN));
      return res.body.totalCount === count;
    }, 'fleet Ready');
    return { ...platform, engine, ids, knex };
  }

  async function tickUntil(
    platform: {
      server: any;
      runTask: (id: 'platform-rollouts') => Promise<void>;
    },
    id: string,
    done: (rollout: any) => boolean,
  ) {
    return eventually(async () => {
      await platform.runTask('platform-rollouts');
      const res = await request(platform.server)
        .get(`/api/platform/rollouts/${id}`)
        .set(asUser(ADMIN));
      return done(res.body) ? res.body : undefined;
    }, 'rollout progress');
  }

  it('upgrades 20 instances in waves, production last', async () => {
    const platform = await fleet(20);
    const created = await request(platform.server)
      .post('/api/platform/rollouts')
      .set(asUser(ADMIN))
      .send({
        capabilityRef: 'memory:database',
        targetVersion: '2.0.0',
        waveSize: 5,
      });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'Running',
      waveCount: 4,
      currentWave: 0,
    });
    // Dev instances go first; production is in the last wave.
    const lastWave = created.body.items.filter((i: any) => i.wave === 3);
    expect(lastWave.map((i: any) => i.environment)).toEqual([
      'dev',
      'dev',
      'production',
      'production',
      'production',
    ]);

    const done = await tickUntil(
      platform,
      created.body.id,
      r => r.status === 'Completed',
    );
    expect(done.items.every((i: any) => i.status === 'Succeeded')).toBe(true);

    // The engine was asked wave by wave: no instance of a later wave before
    // every instance of the earlier one.
    const waveOf = new Map(
      created.body.items.map((i: any) => [i.resourceId, i.wave]),
    );
    const order = platform.engine.upgrades.map(
      u => waveOf.get(u.resourceId) as number,
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(platform.engine.upgrades).toHaveLength(20);

    const fleetSummary = await request(platform.server)
      .get('/api/platform/fleet')
      .set(asUser(ADMIN));
    expect(fleetSummary.body.items).toEqual([
      {
        capabilityRef: 'memory:database',
        version: '2.0.0',
        phase: 'Ready',
        count: 20,
      },
    ]);
    const history = await request(platform.server)
      .get(`/api/platform/resources/${platform.ids[0]}/history`)
      .set(asUser(ADMIN));
    expect(history.body.items.map((e: any) => e.type)).toEqual(
      expect.arrayContaining(['upgrade-started', 'upgrade-finished']),
    );
  });

  it('pauses between waves, can be paused and resumed, and survives a restart', async () => {
    const platform = await fleet(4);
    const created = await request(platform.server)
      .post('/api/platform/rollouts')
      .set(asUser(ADMIN))
      .send({
        capabilityRef: 'memory:database',
        targetVersion: '2.0.0',
        waveSize: 2,
        pauseSeconds: 3600,
      });
    const id = created.body.id;

    // The first wave completes, then the hour-long pause holds the second.
    const waiting = await tickUntil(platform, id, r => r.currentWave === 1);
    await platform.runTask('platform-rollouts');
    expect(platform.engine.upgrades).toHaveLength(2);
    expect(
      waiting.items.filter((i: any) => i.status === 'Pending'),
    ).toHaveLength(2);

    const paused = await request(platform.server)
      .post(`/api/platform/rollouts/${id}/pause`)
      .set(asUser(ADMIN));
    expect(paused.body.status).toBe('Paused');
    const again = await request(platform.server)
      .post(`/api/platform/rollouts/${id}/pause`)
      .set(asUser(ADMIN));
    expect(again.status).toBe(409);

    // A new backend on the same database continues the same rollout.
    await platform.backend.stop();
    const engine = memoryEngine({
      autoReconcile: true,
    });
    for (const [resourceId, state] of platform.engine.instances)
      engine.instances.set(resourceId, state);
    const restarted = await startPlatform({
      knex: platform.knex,
      engines: [engine],
    });
    const resumed = await request(restarted.server)
      .post(`/api/platform/rollouts/${id}/resume`)
      .set(asUser(ADMIN));
    expect(resumed.body.status).toBe('Running');
    const done = await tickUntil(restarted, id, r => r.status === 'Completed');
    expect(done.items.map((i: any) => i.status)).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);
    expect(engine.upgrades).toHaveLength(2);
  });

  it('stops at a failing wave and validates requests', async () => {
    const platform = await fleet(3);
    const bad = async (body: object, message: RegExp, status = 400) => {
      const res = await request(platform.server)
        .post('/api/platform/rollouts')
        .set(asUser(ADMIN))
        .send(body);
      expect(res.status).toBe(status);
      expect(res.body.error.message).toMatch(message);
    };
    await bad(
      { capabilityRef: 'memory:database', targetVersion: '9.9.9' },
      /targetVersion: memory:database has no version 9.9.9/,
    );
    await bad(
      { capabilityRef: 'memory:nope', targetVersion: '2.0.0' },
      /capabilityRef: no capability/,
    );
    await bad(
      { capabilityRef: 'memory:database', targetVersion: '2.0.0', waveSize: 0 },
      /waveSize/,
    );

    // An instance that fails its upgrade pauses the rollout after its wave.
    // It reports Failed without passing through Ready at the new version (a
    // tick between the two would rightly count the upgrade as done).
    const original = platform.engine.upgrade!;
    platform.engine.upgrade = async (resource, version, context) => {
      if (resource.resourceId !== platform.ids[2]) {
        await original(resource, version, context);
        return;
      }
      platform.engine.report(resource.resourceId, {
        phase: 'Failed',
        message: 'migration failed',
      });
    };
    const created = await request(platform.server)
      .post('/api/platform/rollouts')
      .set(asUser(ADMIN))
      .send({
        capabilityRef: 'memory:database',
        targetVersion: '2.0.0',
        waveSize: 1,
      });
    const paused = await tickUntil(
      platform,
      created.body.id,
      r => r.status === 'Paused',
    );
    expect(paused.message).toMatch(/1 instance\(s\) failed to upgrade/);
    expect(
      paused.items.find((i: any) => i.resourceId === platform.ids[2]),
    ).toMatchObject({
      status: 'Failed',
      message: 'migration failed',
    });
    await bad(
      { capabilityRef: 'memory:database', targetVersion: '2.0.0' },
      /is still paused/,
      409,
    );
  });

  it('refuses capabilities of engines that cannot upgrade', async () => {
    const platform = await fleet(1, { supportsUpgrade: false });
    const res = await request(platform.server)
      .post('/api/platform/rollouts')
      .set(asUser(ADMIN))
      .send({ capabilityRef: 'memory:database', targetVersion: '2.0.0' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/cannot upgrade instances/);
  });
});
