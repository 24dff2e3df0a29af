import { mockCredentials } from '@backstage/backend-test-utils';
import {
  ResourceFeedEvent,
  ResourceFeedPage,
} from '@trellis/backstage-plugin-platform-common';
import request from 'supertest';
import {
  ALICE,
  BOB,
  eventually,
  TEAM_A,
  TEAM_B,
  asUser,
  createTestDatabases,
  startWithEngine,
  memoryEngine,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const asService = {
  Authorization: mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('plugin:devex'),
    targetPluginId: 'platform',
  }),
};

describe.each(databases.eachSupportedId())('GET /events on %p', databaseId => {
  async function start(
    options: { settleSeconds?: number; readOnlyOwn?: boolean } = {},
  ) {
    const platform = await startWithEngine(
      databases,
      databaseId,
      memoryEngine(),
      {
        readOnlyOwn: options.readOnlyOwn,
        config: { eventsFeed: { settleSeconds: options.settleSeconds ?? 0 } },
      },
    );
    const create = async (name: string, owner: string, user: string) =>
      (
        await request(platform.server)
          .post('/api/platform/resources')
          .set(asUser(user))
          .send({
            capabilityRef: 'memory:database',
            name,
            environment: 'dev',
            owner,
            component: `component:default/${name}`,
            spec: { size: 'small' },
          })
          .expect(201)
      ).body;
    return { ...platform, create };
  }

  /** Reads the whole feed page by page, as a durable reader would. */
  async function readAll(
    server: Parameters<typeof request>[0],
    headers: Record<string, string>,
    limit: number,
  ) {
    const seen: ResourceFeedEvent[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page: ResourceFeedPage = (
        await request(server)
          .get('/api/platform/events')
          .query({ limit, ...(cursor ? { after: cursor } : {}) })
          .set(headers)
          .expect(200)
      ).body;
      if (!page.items.length) {
        expect(page.nextCursor).toBe(cursor ?? '0');
        return seen;
      }
      seen.push(...page.items);
      cursor = page.nextCursor;
    }
    throw new Error('the feed did not end');
  }

  it('pages through every event in id order, without skipping or repeating, with its resource', async () => {
    const { server, create, knex, runTask, engine } = await start();
    const orders = await create('orders-db', TEAM_A, ALICE);
    await create('billing-db', TEAM_B, BOB);
    await runTask('platform-dispatch');
    engine.report(orders.id, { phase: 'Ready', observedGeneration: 1 });
    await eventually(async () => {
      const rows = await knex('platform_resource_events').where({
        resource_id: orders.id,
        to_phase: 'Ready',
      });
      return rows.length > 0;
    }, 'the Ready event');
    // Plenty more history, so that pages break in the middle of it.
    await knex.batchInsert(
      'platform_resource_events',
      Array.from({ length: 230 }, (_, i) => ({
        resource_id: orders.id,
        type: 'spec-updated',
        at: new Date(Date.now() - 60_000 + i).toISOString(),
        generation: i + 2,
      })),
      50,
    );
    const total = Number(
      (await knex('platform_resource_events').count({ n: '*' }))[0].n,
    );

    const events = await readAll(server, asService, 37);
    expect(events).toHaveLength(total);
    const ids = events.map(e => Number(e.event.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);

    const requested = events.find(
      e => e.event.type === 'requested' && e.resource.id === orders.id,
    )!;
    expect(requested.resource).toEqual({
      id: orders.id,
      name: 'orders-db',
      capabilityRef: 'memory:database',
      engineId: 'memory',
      environment: 'dev',
      owner: TEAM_A,
      requestedBy: ALICE,
      component: 'component:default/orders-db',
      createdAt: orders.createdAt,
    });
    expect(
      events.some(
        e => e.event.type === 'phase-changed' && e.event.toPhase === 'Ready',
      ),
    ).toBe(true);

    // A reader that stored its cursor continues exactly after it.
    const middle = events[99].event.id;
    const rest: ResourceFeedPage = (
      await request(server)
        .get('/api/platform/events')
        .query({ after: middle, limit: 500 })
        .set(asService)
        .expect(200)
    ).body;
    expect(rest.items.map(e => e.event.id)).toEqual(
      events.slice(100).map(e => e.event.id),
    );
  });

  it('shows a user only the events of resources they may read, filtered in SQL', async () => {
    const { server, create } = await start({ readOnlyOwn: true });
    await create('orders-db', TEAM_A, ALICE);
    await create('billing-db', TEAM_B, BOB);

    const alice = await readAll(server, asUser(ALICE), 1);
    expect(alice.length).toBeGreaterThan(0);
    expect(new Set(alice.map(e => e.resource.name))).toEqual(
      new Set(['orders-db']),
    );
    const bob = await readAll(server, asUser(BOB), 500);
    expect(new Set(bob.map(e => e.resource.name))).toEqual(
      new Set(['billing-db']),
    );
  });

  it('holds back events younger than the settle time', async () => {
    const { server, create } = await start({ settleSeconds: 3600 });
    await create('orders-db', TEAM_A, ALICE);
    const page = await request(server)
      .get('/api/platform/events')
      .set(asService)
      .expect(200);
    expect(page.body).toEqual({ items: [], nextCursor: '0' });
  });

  it('names the field of a bad cursor or page size', async () => {
    const { server } = await start();
    for (const after of ['abc', '-1', '1.5', '01', '9'.repeat(20)]) {
      const res = await request(server)
        .get('/api/platform/events')
        .query({ after })
        .set(asService)
        .expect(400);
      expect(res.body.error.message).toMatch(/after/);
    }
    for (const limit of ['0', '501', 'ten']) {
      const res = await request(server)
        .get('/api/platform/events')
        .query({ limit })
        .set(asService)
        .expect(400);
      expect(res.body.error.message).toMatch(/limit/);
    }
  });
});
