import {
  createBackendModule,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { devexAdminPermission } from '@trellis/backstage-plugin-devex-common';
import {
  DevexSourceContext,
  devexSourcesExtensionPoint,
} from '@trellis/backstage-plugin-devex-node';
import { Knex } from 'knex';
import request from 'supertest';
import devexFeatures from './index';
import { devexPlugin } from './plugin';
import { testDatabaseIds } from './__testUtils__/testStore';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

const ADMIN = 'user:default/admin';
const ADA = 'user:default/ada';
const OUTSIDER = 'user:default/outsider'; // may not read figures
const asUser = (ref: string) => ({
  Authorization: mockCredentials.user.header(ref),
});
const asService = { Authorization: mockCredentials.service.header() };

function user(name: string, team: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { memberOf: [team] },
    relations: [{ type: 'memberOf', targetRef: `group:default/${team}` }],
  };
}
function group(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default', title: name },
    spec: { type: 'team', children: [] },
  };
}

const ENTITIES = [
  user('ada', 'payments'),
  user('grace', 'payments'),
  user('linus', 'payments'),
  user('admin', 'platform'),
  group('payments'),
  group('platform'),
];

const permissions = mockServices.permissions.mock({
  authorize: async (requests, { credentials }) =>
    requests.map(r => {
      const principal = credentials.principal as { userEntityRef?: string };
      if (principal.userEntityRef === OUTSIDER)
        return { result: AuthorizeResult.DENY };
      if (r.permission.name === devexAdminPermission.name) {
        return {
          result:
            principal.userEntityRef === ADMIN || !principal.userEntityRef
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
        };
      }
      return { result: AuthorizeResult.ALLOW };
    }),
});

async function start(
  knex: Knex,
  extra: ServiceFactory[] | any[] = [],
  plugin: any = devexPlugin,
) {
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
  };
  const auditor = mockServices.auditor.mock();
  const backend = await startTestBackend({
    features: [
      plugin,
      mockServices.database.factory({ knex }),
      permissions.factory,
      auditor.factory,
      scheduler.factory({ skipTaskRunOnStartup: true }),
      catalogServiceMock.factory({ entities: ENTITIES }),
      mockServices.rootConfig.factory({
        data: { devex: { demo: { enabled: false } } },
      }),
      ...extra,
    ],
  });
  return {
    server: backend.server,
    auditor,
    backend,
    runTask: (id: string) => scheduler.triggerTask(id),
  };
}

describe.each(databases.eachSupportedId())('devex plugin on %p', databaseId => {
  it('stores analytics events as the signed-in user, never the payload', async () => {
    const { server, runTask } = await start(await databases.init(databaseId));
    await runTask('devex-directory');
    const events = [
      {
        id: 'e1',
        time: '2026-11-02T10:00:00Z',
        action: 'navigate',
        subject: '/catalog',
        plugin: 'catalog',
        user: 'user:default/mallory',
      },
      { id: 'e2', time: 'not a time', action: 'navigate', subject: '/' },
      {
        id: 'e3',
        time: '2026-11-02T10:01:00Z',
        action: 'click',
        subject: 'Create',
        plugin: 'scaffolder',
      },
    ];
    const res = await request(server)
      .post('/api/devex/analytics')
      .set(asUser(ADA))
      .send({ events });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [{ index: 1, field: 'time', message: expect.any(String) }],
    });
    // A retried batch stores nothing twice.
    const again = await request(server)
      .post('/api/devex/analytics')
      .set(asUser(ADA))
      .send({ events });
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 2 });

    const exported = await request(server)
      .get('/api/devex/facts?kind=activity')
      .set(asUser(ADMIN));
    expect(exported.status).toBe(200);
    expect(
      exported.body.items.map((f: any) => [f.sourceId, f.actor, f.teams]),
    ).toEqual([
      ['analytics:user:default/ada:e1', ADA, ['group:default/payments']],
      ['analytics:user:default/ada:e3', ADA, ['group:default/payments']],
    ]);

    const adoption = await request(server)
      .get('/api/devex/metrics/adoption?from=2026-11-01&to=2026-11-07')
      .set(asUser(ADA));
    expect(adoption.status).toBe(200);
    expect(adoption.body.eligibleUsers).toBe(4);
    expect(adoption.body.totals.activeUsers).toBe(1);
    expect(adoption.body.byTeam).toEqual([
      {
        team: 'group:default/payments',
        title: 'payments',
        activeUsers: 1,
        eligibleUsers: 3,
      },
      {
        team: 'other',
        title: 'Other (small teams)',
        folded: true,
        teams: 1,
        activeUsers: 0,
        eligibleUsers: 1,
      },
    ]);
    // Nothing in a report names a person.
    expect(JSON.stringify(adoption.body)).not.toContain('ada');
  });

  it('refuses analytics from service principals and batches over the limit', async () => {
    const { server } = await start(await databases.init(databaseId));
    const service = await request(server)
      .post('/api/devex/analytics')
      .set(asService)
      .send({ events: [] });
    expect(service.status).toBe(403);
    const events = Array.from({ length: 501 }, (_, i) => ({
      id: `e${i}`,
      time: '2026-11-02T10:00:00Z',
      action: 'navigate',
      subject: '/',
    }));
    const big = await request(server)
      .post('/api/devex/analytics')
      .set(asUser(ADA))
      .send({ events });
    expect(big.status).toBe(400);
    expect(big.body.error.message).toMatch(/events/);
    const huge = await request(server)
      .post('/api/devex/analytics')
      .set(asUser(ADA))
      .set('content-type', 'application/json')
      .send(JSON.stringify({ events: [{ id: 'x'.repeat(6 * 1024 * 1024) }] }));
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toMatch(/^body: larger than/);
  });

  it('answers 400 naming the field for bad metric questions', async () => {
    const { server } = await start(await databases.init(databaseId));
    const get = (path: string) =>
      request(server).get(`/api/devex${path}`).set(asUser(ADA));
    const cases: [string, RegExp][] = [
      ['/metrics/clicks?from=2026-11-01&to=2026-11-02', /metric/],
      [
        '/metrics/adoption?from=2026-11-05&to=2026-11-01',
        /^to: the range is inverted/,
      ],
      [
        '/metrics/adoption?from=2026-02-30&to=2026-03-01',
        /^from: must be a day/,
      ],
      ['/metrics/adoption?from=yesterday&to=2026-03-01', /from/],
      [
        '/metrics/adoption?from=2020-01-01&to=2026-03-01',
        /^to: the range is \d+ days long/,
      ],
      [
        '/metrics/golden-paths?from=2026-11-01&to=2026-11-02&team=payments',
        /^team: must be a group/,
      ],
      [
        `/metrics/golden-paths?from=2026-11-01&to=2026-11-02&team=${encodeURIComponent(
          'group:default/platform',
        )}`,
        /^team: .* has \d+ member/,
      ],
      ['/metrics/adoption?to=2026-11-02', /from/],
      ['/teams/summary?from=2026-11-01&to=2026-11-02', /team/],
    ];
    for (const [path, message] of cases) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.error.message).toMatch(message);
    }
  });

  it('checks permissions: figures need devex.metrics.read, export and rebuild devex.admin', async () => {
    const { server, auditor } = await start(await databases.init(databaseId));
    const range = 'from=2026-11-01&to=2026-11-07';
    expect(
      (
        await request(server)
          .get(`/api/devex/metrics/adoption?${range}`)
          .set({ Authorization: mockCredentials.user.invalidHeader() })
      ).status,
    ).toBe(401);
    expect(
      (
        await request(server)
          .get(`/api/devex/metrics/adoption?${range}`)
          .set(asUser(OUTSIDER))
      ).status,
    ).toBe(403);
    expect(
      (await request(server).get('/api/devex/sources').set(asUser(OUTSIDER)))
        .status,
    ).toBe(403);
    expect(
      (await request(server).get('/api/devex/facts').set(asUser(ADA))).status,
    ).toBe(403);
    expect(
      (await request(server).post('/api/devex/admin/rebuild').set(asUser(ADA)))
        .status,
    ).toBe(403);
    const fact = {
      sourceId: 'ci:build/1',
      kind: 'ci.build',
      time: '2026-11-02T10:00:00Z',
      attributes: {},
    };
    expect(
      (
        await request(server)
          .post('/api/devex/facts')
          .set(asUser(ADA))
          .send({ facts: [fact] })
      ).status,
    ).toBe(403);
    const byService = await request(server)
      .post('/api/devex/facts')
      .set(asService)
      .send({ source: 'ci', facts: [fact, { ...fact, sourceId: '' }] });
    expect(byService.status).toBe(200);
    expect(byService.body).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 1, field: 'sourceId', message: 'is required' }],
    });
    const rebuild = await request(server)
      .post('/api/devex/admin/rebuild')
      .set(asUser(ADMIN));
    expect(rebuild.status).toBe(200);
    expect(rebuild.body.facts).toBe(1);
    expect(auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({ eventId: 'rollups-rebuild' }),
    );
    expect(auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'facts-write',
        meta: { source: 'ci', facts: 2 },
      }),
    );
    expect((await request(server).get('/api/devex/health')).body).toEqual({
      status: 'ok',
      sources: [],
    });
  });

  it('starts registered sources with a sink and durable cursors', async () => {
    const knex = await databases.init(databaseId);
    const started: DevexSourceContext[] = [];
    const sourceModule = createBackendModule({
      pluginId: 'devex',
      moduleId: 'test-source',
      register(reg) {
        reg.registerInit({
          deps: { sources: devexSourcesExtensionPoint },
          async init({ sources }) {
            sources.addSource({
              id: 'scaffolder',
              title: 'Scaffolder task outcomes',
              kinds: ['golden-path.run'],
              howToConnect: 'Install the scaffolder source module.',
              async start(context) {
                started.push(context);
              },
            });
          },
        });
      },
    });
    const { server } = await start(knex, [sourceModule]);
    expect(started).toHaveLength(1);
    const { sink, cursors } = started[0];
    expect(await cursors.get('backfill')).toBeUndefined();
    await cursors.set('backfill', '2026-11-02');
    expect(await cursors.get('backfill')).toBe('2026-11-02');
    const result = await sink.write([
      {
        sourceId: 'scaffolder:task/1/completed',
        kind: 'golden-path.run',
        time: '2026-11-02T10:00:00Z',
        templateRef: 'template:default/node-service',
        subject: 'scaffolder:task/1',
        value: 120,
        attributes: { status: 'completed', timeSavedSeconds: 3600 },
      },
    ]);
    expect(result.accepted).toBe(1);
    const sources = await request(server)
      .get('/api/devex/sources')
      .set(asUser(ADA));
    expect(sources.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'scaffolder',
          facts: 1,
          lastFactAt: '2026-11-02T10:00:00.000Z',
        }),
        expect.objectContaining({ id: 'analytics', facts: 0 }),
      ]),
    );
    const report = await request(server)
      .get('/api/devex/metrics/golden-paths?from=2026-11-01&to=2026-11-07')
      .set(asUser(ADA));
    expect(report.body.totals).toMatchObject({
      runs: 1,
      completed: 1,
      timeSavedSeconds: 3600,
    });
    expect(report.body.sources.map((s: any) => s.id)).toEqual(['scaffolder']);
    // The cursor survives a restart: it lives in the database.
    const { server: again } = await start(knex, [sourceModule]);
    expect(await started[1].cursors.get('backfill')).toBe('2026-11-02');
    expect(
      (await request(again).get('/api/devex/health')).body.sources,
    ).toEqual(['scaffolder']);
  });

  it('installs the built-in sources with the default export', async () => {
    const { server } = await start(
      await databases.init(databaseId),
      [],
      devexFeatures,
    );
    const health = await request(server).get('/api/devex/health');
    expect(health.body.sources.sort()).toEqual(['platform', 'scaffolder']);
    const golden = await request(server)
      .get('/api/devex/metrics/golden-paths?from=2026-11-01&to=2026-11-07')
      .set(asUser(ADA));
    // Nothing delivered yet: the report says which source to connect.
    expect(golden.body.sources).toEqual([
      expect.objectContaining({
        id: 'scaffolder',
        facts: 0,
        howToConnect: expect.any(String),
      }),
    ]);
  });
});
