import {
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
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  devexAdminPermission,
  DevexFact,
} from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import request from 'supertest';
import { devexPlugin } from '../../plugin';
import { testDatabaseIds } from '../../__testUtils__/testStore';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

const ADMIN = 'user:default/admin';
const ADA = 'user:default/ada';
const OUTSIDER = 'user:default/outsider';
const as = (ref: string) => ({
  Authorization: mockCredentials.user.header(ref),
});
const asService = { Authorization: mockCredentials.service.header() };

const entity = (kind: string, name: string, spec: object): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name, namespace: 'default' },
  spec,
  ...(kind === 'User'
    ? {
        relations: [{ type: 'memberOf', targetRef: 'group:default/payments' }],
      }
    : {}),
});
const ENTITIES = [
  entity('User', 'ada', {}),
  entity('User', 'grace', {}),
  entity('User', 'linus', {}),
  entity('User', 'admin', {}),
  entity('Group', 'payments', { type: 'team', children: [] }),
  entity('Component', 'checkout', { type: 'service', owner: 'payments' }),
];

const permissions = mockServices.permissions.mock({
  authorize: async (requests, { credentials }) =>
    requests.map(r => {
      const ref = (credentials.principal as { userEntityRef?: string })
        .userEntityRef;
      if (ref === OUTSIDER) return { result: AuthorizeResult.DENY };
      if (r.permission.name === devexAdminPermission.name)
        return {
          result: ref === ADMIN ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
        };
      return { result: AuthorizeResult.ALLOW };
    }),
});

async function start(
  knex: Knex,
  tiers: object = {
    changeFailureRate: { elite: 0.1, high: 0.15, medium: 0.3 },
  },
) {
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
  };
  const backend = await startTestBackend({
    features: [
      devexPlugin,
      mockServices.database.factory({ knex }),
      permissions.factory,
      scheduler.factory({ skipTaskRunOnStartup: true }),
      catalogServiceMock.factory({ entities: ENTITIES }),
      mockServices.rootConfig.factory({
        data: {
          devex: {
            demo: { enabled: false },
            delivery: { tiers },
          },
        },
      }),
    ],
  });
  await scheduler.triggerTask('devex-directory');
  return backend.server;
}

const CHECKOUT = 'component:default/checkout';
const FACTS: DevexFact[] = [
  {
    sourceId: 'ci:pr/1',
    kind: 'delivery.change.merged',
    time: '2026-09-08T09:00:00.000Z',
    subject: 'github:pr/acme/checkout/1',
    actor: ADA,
    entityRef: CHECKOUT,
    attributes: {
      provider: 'github',
      repo: 'acme/checkout',
      number: 1,
      firstCommitAt: '2026-09-08T08:00:00Z',
      mergeSha: 'abc',
    },
  },
  {
    sourceId: 'ci:deploy/1',
    kind: 'delivery.deployment',
    time: '2026-09-08T10:00:00.000Z',
    subject: 'github:deployment/acme/checkout/1',
    actor: ADA,
    entityRef: CHECKOUT,
    attributes: {
      provider: 'github',
      repo: 'acme/checkout',
      id: '1',
      environment: 'production',
      production: true,
      status: 'success',
      sha: 'abc',
      createdAt: '2026-09-08T09:30:00Z',
    },
  },
];

describe.each(databases.eachSupportedId())('delivery API on %p', id => {
  it('answers the delivery report, with the configured tiers, and its evidence', async () => {
    const server = await start(await databases.init(id));
    const posted = await request(server)
      .post('/api/devex/facts')
      .set(asService)
      .send({ source: 'ci', facts: FACTS });
    expect(posted.body).toMatchObject({ accepted: 2, rejected: [] });

    const q = 'from=2026-09-07&to=2026-09-13';
    const report = await request(server)
      .get(
        `/api/devex/metrics/delivery?${q}&component=${encodeURIComponent(
          CHECKOUT,
        )}`,
      )
      .set(as(ADA));
    expect([report.status, report.body.error?.message]).toEqual([
      200,
      undefined,
    ]);
    expect(report.body.totals.deploymentFrequency).toMatchObject({
      deployments: 1,
      tier: 'high',
    });
    expect(report.body.totals.leadTime.changes).toBe(1);
    expect(report.body.tiers.changeFailureRate).toEqual({
      elite: 0.1,
      high: 0.15,
      medium: 0.3,
    });
    expect(report.body.tiers.leadTimeHours).toEqual({
      elite: 24,
      high: 168,
      medium: 720,
    });
    expect(report.body.components[0]).toMatchObject({
      component: CHECKOUT,
      team: 'group:default/payments',
    });
    for (const metric of ['onboarding', 'impact']) {
      const res = await request(server)
        .get(`/api/devex/metrics/${metric}?${q}`)
        .set(as(ADA));
      expect(res.status).toBe(200);
      expect(res.body.query).toEqual({ from: '2026-09-07', to: '2026-09-13' });
    }

    const evidence = (who: string) =>
      request(server)
        .get(`/api/devex/metrics/delivery/evidence?${q}&kind=changes`)
        .set(as(who));
    const asAda = await evidence(ADA);
    expect(asAda.status).toBe(200);
    expect(asAda.body.items).toEqual([
      expect.objectContaining({
        subject: 'github:pr/acme/checkout/1',
        deployment: 'github:deployment/acme/checkout/1',
        leadTimeSeconds: 7200,
      }),
    ]);
    expect(asAda.body.items[0].actor).toBeUndefined();
    expect((await evidence(ADMIN)).body.items[0].actor).toBe(ADA);
    expect((await evidence(OUTSIDER)).status).toBe(403);
    expect(
      (
        await request(server)
          .get(`/api/devex/metrics/delivery?${q}`)
          .set(as(OUTSIDER))
      ).status,
    ).toBe(403);
  });

  it('refuses to start with tiers out of order', async () => {
    await expect(
      start(await databases.init(id), {
        changeFailureRate: { elite: 0.5 },
      }),
    ).rejects.toThrow(
      /devex.delivery.tiers.changeFailureRate: elite, high and medium must be increasing/,
    );
  });

  it('answers 400 naming the field for bad questions', async () => {
    const server = await start(await databases.init(id));
    const q = 'from=2026-09-07&to=2026-09-13';
    const cases: [string, RegExp][] = [
      [`/metrics/delivery?from=2026-02-30&to=2026-03-01`, /from/],
      [`/metrics/delivery?${q}&component=checkout`, /component/],
      [
        `/metrics/delivery?${q}&component=${encodeURIComponent(
          'group:default/payments',
        )}`,
        /component/,
      ],
      [
        `/metrics/onboarding?${q}&component=${encodeURIComponent(CHECKOUT)}`,
        /component/,
      ],
      [
        `/metrics/impact?${q}&team=${encodeURIComponent(
          'group:default/nobody',
        )}`,
        /team/,
      ],
      [`/metrics/delivery/evidence?${q}`, /kind/],
      [`/metrics/delivery/evidence?${q}&kind=people`, /kind/],
      [`/metrics/delivery/evidence?${q}&kind=changes&limit=0`, /limit/],
      [`/metrics/delivery/evidence?${q}&kind=changes&after=nonsense`, /after/],
      [
        `/metrics/delivery/evidence?from=2026-09-13&to=2026-09-07&kind=changes`,
        /to/,
      ],
    ];
    for (const [path, message] of cases) {
      const res = await request(server).get(`/api/devex${path}`).set(as(ADA));
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.error.message).toMatch(message);
      expect(res.body.error.message).not.toMatch(/url encoded/);
    }
  });
});
