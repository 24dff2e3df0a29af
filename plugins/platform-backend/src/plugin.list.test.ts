import request from 'supertest';
import {
  ADMIN,
  ALICE,
  asUser,
  BOB,
  describePlatformApi,
  TEAM_A,
  TEAM_B,
} from './__testUtils__/harness';

// Lists: filters, order, cursor pages, permission filtering in SQL.

jest.setTimeout(60_000);

const as = asUser;

describePlatformApi('platform API lists on %p', start => {
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
});
