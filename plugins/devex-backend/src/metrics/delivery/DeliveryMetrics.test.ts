import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  DeliveryChangeEvidence,
  DeliveryDeploymentEvidence,
  DeliveryIncidentEvidence,
  DevexFact,
} from '@trellis/backstage-plugin-devex-common';
import {
  createTestStore,
  org,
  testDatabaseIds,
} from '../../__testUtils__/testStore';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE } from '../../database/migrate';
import { DeliveryCatalog } from './DeliveryCatalog';
import { DeliveryIndex } from './DeliveryIndex';
import { DeliveryMetrics, IMPACT_CAVEAT } from './DeliveryMetrics';
import { DORA_2024 } from './tiers';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

const API = 'component:default/api';
const WEB = 'component:default/web';
const TOOL = 'component:default/tool';
const TEAM_A = 'group:default/team-a';
const TEAM_C = 'group:default/team-c';
const u = (name: string) => `user:default/${name}`;
const RANGE = { from: '2026-09-07', to: '2026-09-20' };
const H = 3600;

function component(name: string, owner: string, extra: object = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', ...extra },
    spec: { type: 'service', owner, lifecycle: 'production' },
  };
}
function user(name: string, start?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: {
      name,
      namespace: 'default',
      ...(start ? { annotations: { 'trellis.dev/start-date': start } } : {}),
    },
    spec: {},
  };
}

const ENTITIES = [
  component('api', 'team-a', { title: 'API' }),
  component('web', 'group:default/team-a'),
  component('tool', 'team-b'),
  ...['a1', 'a2', 'a3', 'b1', 'n3'].map(n => user(n)),
  user('n1', '2026-09-07'),
  user('n2', '2026-09-08'),
  user('n4', '2026-09-10'),
];
const ORG = org({
  'team-a': ['a1', 'a2', 'a3'],
  'team-b': ['b1', 'n4'],
  'team-c': ['n1', 'n2', 'n3'],
});

let seq = 0;
function deployment(
  repo: string,
  id: string,
  o: {
    created: string;
    time: string;
    sha: string;
    production?: boolean;
    status?: string;
    entityRef?: string;
  },
): DevexFact {
  return {
    sourceId: `t:dep/${repo}/${id}/${seq++}`,
    kind: 'delivery.deployment',
    time: o.time,
    subject: `github:deployment/acme/${repo}/${id}`,
    actor: u('a1'),
    ...(o.entityRef ? { entityRef: o.entityRef } : {}),
    attributes: {
      provider: 'github',
      repo: `acme/${repo}`,
      id,
      environment: o.production === false ? 'staging' : 'production',
      production: o.production !== false,
      status: o.status ?? 'success',
      sha: o.sha,
      url: `https://github.com/acme/${repo}/deployments/${id}`,
      createdAt: o.created,
    },
  };
}
function change(
  repo: string,
  number: number,
  o: {
    merged: string;
    first?: string;
    entityRef?: string;
    actor?: string;
  },
): DevexFact {
  return {
    sourceId: `t:pr/${repo}/${number}/merged`,
    kind: 'delivery.change.merged',
    time: o.merged,
    subject: `github:pr/acme/${repo}/${number}`,
    actor: u(o.actor ?? 'a2'),
    ...(o.entityRef ? { entityRef: o.entityRef } : {}),
    attributes: {
      provider: 'github',
      repo: `acme/${repo}`,
      number,
      url: `https://github.com/acme/${repo}/pull/${number}`,
      firstCommitAt: o.first ?? null,
      mergeSha: `m${number}`,
      baseBranch: 'main',
      labels: [],
    },
  };
}
function incident(
  id: string,
  entityRef: string,
  opened: string,
  resolved?: string,
): DevexFact[] {
  const base = {
    subject: `pagerduty:incident/${id}`,
    entityRef,
    attributes: {
      provider: 'pagerduty',
      id,
      title: `Incident ${id}`,
      url: `https://acme.pagerduty.com/incidents/${id}`,
      severity: 'high',
      openedAt: opened,
    },
  };
  const facts: DevexFact[] = [
    {
      ...base,
      sourceId: `t:inc/${id}/opened`,
      kind: 'delivery.incident.opened',
      time: opened,
    },
  ];
  if (resolved) {
    facts.push({
      ...base,
      sourceId: `t:inc/${id}/resolved`,
      kind: 'delivery.incident.resolved',
      time: resolved,
      value: (Date.parse(resolved) - Date.parse(opened)) / 1000,
      attributes: { ...base.attributes, resolvedAt: resolved },
    });
  }
  return facts;
}
const activity = (name: string, day: string): DevexFact => ({
  sourceId: `t:act/${name}/${day}`,
  kind: 'activity',
  time: `${day}T09:00:00Z`,
  actor: u(name),
  attributes: { plugin: 'catalog', action: 'navigate', subject: '/' },
});

const d = (day: string, hm: string) => `2026-09-${day}T${hm}:00.000Z`;

/**
 * The hand-made history (range 2026-09-07 Mon – 2026-09-20 Sun):
 *
 * api (team-a, created by a golden path): production D0 (before the range),
 * D1, D2 (an incident 1.5 h later: failed), D3 (during that incident:
 * rework), D4 (rolled back: D5 ships D3's sha again), D5; a staging
 * deployment and a failed production attempt that do not count. Changes
 * C1–C6 (C4 without a first commit, C5 never deployed, C6 merged after D2
 * was created, so in D3).
 * web (team-a): D6 (an `error` status superseded by `success`), an
 * incident 2 days later (outside the 24 h window), D7 during it (rework),
 * an incident still open. tool (team-b, 2 members: folded): D8, C8.
 * An unmapped repo: D9. New users n1–n3 (team-c) and n4 (team-b) merge
 * changes to an unmapped sandbox repo.
 */
function history(): DevexFact[] {
  return [
    ...['a1', 'a2', 'a3', 'b1'].map(n => activity(n, '2026-08-03')),
    activity('n3', '2026-09-14'),
    // api
    change('api', 100, { merged: '2026-09-04T09:00:00Z', entityRef: API }),
    deployment('api', 'd0', {
      created: '2026-09-05T10:00:00Z',
      time: '2026-09-05T10:30:00Z',
      sha: 's0',
      entityRef: API,
    }),
    change('api', 1, {
      merged: d('07', '09:00'),
      first: '2026-09-06T09:00:00Z',
      entityRef: API,
    }),
    deployment('api', 'd1', {
      created: d('07', '10:00'),
      time: d('07', '10:30'),
      sha: 's1',
      entityRef: API,
    }),
    deployment('api', 'stage1', {
      created: d('07', '11:00'),
      time: d('07', '11:10'),
      sha: 's1',
      production: false,
      entityRef: API,
    }),
    change('api', 2, {
      merged: d('08', '09:30'),
      first: d('08', '08:30'),
      entityRef: API,
    }),
    deployment('api', 'd2', {
      created: d('08', '10:00'),
      time: d('08', '10:30'),
      sha: 's2',
      entityRef: API,
    }),
    change('api', 6, {
      merged: d('08', '10:05'),
      first: d('08', '10:00'),
      entityRef: API,
    }),
    ...incident('i1', API, d('08', '12:00'), d('08', '16:00')),
    change('api', 3, {
      merged: d('08', '13:00'),
      first: d('08', '12:00'),
      entityRef: API,
    }),
    deployment('api', 'd3', {
      created: d('08', '14:00'),
      time: d('08', '14:30'),
      sha: 's3',
      entityRef: API,
    }),
    deployment('api', 'f1', {
      created: d('09', '10:00'),
      time: d('09', '10:20'),
      sha: 'sx',
      status: 'failure',
      entityRef: API,
    }),
    change('api', 4, { merged: d('15', '09:00'), entityRef: API }),
    deployment('api', 'd4', {
      created: d('15', '10:00'),
      time: d('15', '10:30'),
      sha: 's4',
      entityRef: API,
    }),
    deployment('api', 'd5', {
      created: d('16', '10:00'),
      time: d('16', '10:30'),
      sha: 's3',
      entityRef: API,
    }),
    change('api', 5, {
      merged: d('18', '09:00'),
      first: d('17', '09:00'),
      entityRef: API,
    }),
    // web
    change('web', 7, {
      merged: d('10', '08:00'),
      first: d('09', '08:00'),
      entityRef: WEB,
    }),
    deployment('web', 'd6', {
      created: d('10', '10:00'),
      time: d('10', '10:05'),
      sha: 'w1',
      status: 'error',
      entityRef: WEB,
    }),
    deployment('web', 'd6', {
      created: d('10', '10:00'),
      time: d('10', '10:10'),
      sha: 'w1',
      entityRef: WEB,
    }),
    ...incident('i2', WEB, d('12', '10:00'), d('14', '10:00')),
    deployment('web', 'd7', {
      created: d('13', '09:50'),
      time: d('13', '10:00'),
      sha: 'w2',
      entityRef: WEB,
    }),
    ...incident('i3', WEB, d('19', '10:00')),
    // tool
    change('tool', 8, {
      merged: d('14', '11:00'),
      first: d('14', '10:00'),
      entityRef: TOOL,
    }),
    deployment('tool', 'd8', {
      created: d('14', '11:55'),
      time: d('14', '12:00'),
      sha: 't1',
      entityRef: TOOL,
    }),
    // unmapped
    deployment('orphan', 'd9', {
      created: d('16', '11:50'),
      time: d('16', '12:00'),
      sha: 'o1',
    }),
    // new users' changes
    change('sandbox', 201, { merged: d('09', '12:00'), actor: 'n1' }),
    change('sandbox', 202, { merged: d('12', '12:00'), actor: 'n1' }),
    change('sandbox', 203, { merged: d('08', '12:00'), actor: 'n2' }),
    change('sandbox', 204, { merged: d('15', '12:00'), actor: 'n2' }),
    change('sandbox', 205, { merged: d('16', '12:00'), actor: 'n3' }),
    // platform adoption
    {
      sourceId: 't:run/1',
      kind: 'golden-path.run',
      time: d('10', '10:00'),
      actor: u('a1'),
      templateRef: 'template:default/service',
      entityRef: API,
      subject: 'scaffolder:task/1',
      value: 60,
      attributes: { status: 'completed', goldenPath: true },
    },
    {
      sourceId: 't:req/1',
      kind: 'platform.requested',
      time: d('15', '09:00'),
      actor: u('b1'),
      capabilityRef: 'local:postgres',
      attributes: { resourceId: 'r1', owner: 'group:default/team-b' },
    },
  ];
}

/** Within the histograms' 1 % (percentiles are read from log buckets). */
const about = (expected: number) => ({
  asymmetricMatch: (actual: number) =>
    Math.abs(actual - expected) <= expected * 0.01,
  toString: () => `about ${expected}`,
});

/** Per component and team, lead-time buckets are merged by 5 (within 5.2 %). */
const roughly = (expected: number) => ({
  asymmetricMatch: (actual: number) =>
    Math.abs(actual - expected) <= expected * 0.052,
  toString: () => `roughly ${expected}`,
});

describe.each(databases.eachSupportedId())('delivery metrics on %p', id => {
  async function setup(
    options: { minGroupSize?: number; catchUpBudgetMs?: number } = {},
  ) {
    const knex = await databases.init(id);
    const ctx = await createTestStore(knex, { minGroupSize: 3 });
    await ctx.directory.sync(ORG, new Date('2026-08-01T00:00:00Z'));
    const index = new DeliveryIndex(ctx.db, ctx.calendar, {
      failureWindowHours: 24,
    });
    const catalog = new DeliveryCatalog(
      catalogServiceMock({ entities: ENTITIES }),
      mockServices.auth(),
    );
    const delivery = new DeliveryMetrics(
      ctx.db,
      index,
      catalog,
      ctx.directory,
      ctx.calendar,
      {
        minGroupSize: options.minGroupSize ?? 3,
        productionEnvironments: ['production', 'prod'],
        tiers: DORA_2024,
        nthChange: 2,
        catchUpBudgetMs: options.catchUpBudgetMs,
      },
      kinds => ctx.metrics.sources(kinds),
    );
    const result = await ctx.store.write('delivery', history());
    expect(result.rejected).toEqual([]);
    const teams = await ctx.directory.teams();
    return { ...ctx, index, delivery, teams };
  }

  it('computes the five figures, their tiers and the weekly series', async () => {
    const { delivery, teams } = await setup();
    const report = await delivery.delivery(RANGE, teams);
    expect(report.totals.deploymentFrequency).toEqual({
      deployments: 9,
      perDay: 9 / 14,
      perWeek: 4.5,
      tier: 'high',
    });
    // Lead times (s): C2 7200, C8 7200, C3 9000, C6 16200, C1 91800, C7 94200.
    expect(report.totals.leadTime).toEqual({
      changes: 6,
      p50Seconds: about(9000),
      p90Seconds: about(94200),
      tier: 'elite',
      withoutFirstCommit: 1,
      // C5 and the five sandbox changes
      notDeployed: 6,
    });
    expect(report.totals.changeFailureRate).toEqual({
      deployments: 9,
      failed: 2,
      byIncident: 1,
      byRollback: 1,
      rate: 2 / 9,
      tier: 'low',
    });
    expect(report.totals.recoveryTime).toEqual({
      incidents: 2,
      p50Seconds: about(4 * H),
      p90Seconds: about(48 * H),
      tier: 'high',
      open: 1,
    });
    expect(report.totals.reworkRate).toEqual({
      deployments: 9,
      rework: 2,
      rate: 2 / 9,
      tier: null,
    });
    expect(report.tiers).toEqual(DORA_2024);
    expect(report.productionEnvironments).toEqual(['production', 'prod']);

    expect(report.series).toEqual([
      {
        week: '2026-09-07',
        deployments: 5,
        failed: 1,
        rework: 2,
        changeFailureRate: 1 / 5,
        reworkRate: 2 / 5,
        leadTimeP50Seconds: about(16200),
        incidentsResolved: 1,
        recoveryP50Seconds: about(4 * H),
      },
      {
        week: '2026-09-14',
        deployments: 4,
        failed: 1,
        rework: 0,
        changeFailureRate: 1 / 4,
        reworkRate: 0,
        leadTimeP50Seconds: about(7200),
        incidentsResolved: 1,
        recoveryP50Seconds: about(48 * H),
      },
    ]);

    const api = report.components.find(c => c.component === API)!;
    expect(api).toMatchObject({
      title: 'API',
      team: TEAM_A,
      goldenPath: true,
      deploymentFrequency: { deployments: 5, perWeek: 2.5, tier: 'high' },
      leadTime: { changes: 4, tier: 'elite', withoutFirstCommit: 1 },
      changeFailureRate: { failed: 2, rate: 0.4, tier: 'low' },
      reworkRate: { rework: 1, rate: 0.2 },
      recoveryTime: { incidents: 1, open: 0 },
    });
    expect(api.leadTime.p50Seconds).toEqual(roughly(9000));
    expect(api.leadTime.p90Seconds).toEqual(roughly(91800));
    expect(report.components.map(c => c.component)).toEqual([API, WEB, TOOL]);
    const web = report.components.find(c => c.component === WEB)!;
    expect(web).toMatchObject({
      goldenPath: false,
      deploymentFrequency: { deployments: 2 },
      changeFailureRate: { failed: 0, rate: 0, tier: 'elite' },
      reworkRate: { rework: 1, rate: 0.5 },
      recoveryTime: { incidents: 1, open: 1 },
    });

    // team-b has 2 members: folded into "other".
    expect(
      report.byTeam.map(t => [
        t.team,
        t.components,
        t.deploymentFrequency.deployments,
        t.changeFailureRate.failed,
      ]),
    ).toEqual([
      [TEAM_A, 2, 7, 2],
      ['other', 1, 1, 0],
    ]);
    expect(report.byTeam[1]).toMatchObject({ folded: true, teams: 1 });
  });

  it('filters by team and component and answers the same figures', async () => {
    const { delivery, teams } = await setup();
    const a = await delivery.delivery({ ...RANGE, team: TEAM_A }, teams);
    expect(a.totals.deploymentFrequency.deployments).toBe(7);
    expect(a.totals.changeFailureRate.failed).toBe(2);
    expect(a.totals.leadTime.changes).toBe(5);
    expect(a.totals.leadTime.notDeployed).toBe(1);
    expect(a.totals.recoveryTime).toMatchObject({ incidents: 2, open: 1 });
    expect(a.byTeam).toEqual([]);
    expect(a.components.map(c => c.component)).toEqual([API, WEB]);

    const web = await delivery.delivery({ ...RANGE, component: WEB }, teams);
    expect(web.totals.deploymentFrequency.deployments).toBe(2);
    expect(web.totals.reworkRate.rework).toBe(1);
    expect(web.totals.leadTime.p50Seconds).toEqual(about(94200));
    expect(web.components.map(c => c.component)).toEqual([WEB]);

    // A shorter range: the second week only.
    const week2 = await delivery.delivery(
      { from: '2026-09-14', to: '2026-09-20' },
      teams,
    );
    expect(week2.totals.deploymentFrequency).toMatchObject({
      deployments: 4,
      perWeek: 4,
      tier: 'high',
    });
    expect(week2.series.map(s => s.week)).toEqual(['2026-09-14']);

    // Twelve whole weeks and a day at each end: the weeks add up the same.
    const quarter = await delivery.delivery(
      { from: '2026-08-02', to: '2026-10-26' },
      teams,
    );
    const range = await delivery.delivery(RANGE, teams);
    expect(quarter.series).toHaveLength(14);
    for (const week of range.series)
      expect(quarter.series.find(s => s.week === week.week)).toEqual(week);
    expect(quarter.totals.deploymentFrequency.deployments).toBe(
      quarter.series.reduce((t, s) => t + s.deployments, 0),
    );
    expect(quarter.totals.leadTime.changes).toBe(range.totals.leadTime.changes);
  });

  it('lists the facts behind the figures, page by page, people only for admins', async () => {
    const { delivery } = await setup();
    const subjects: string[] = [];
    let after: string | undefined;
    let first: DeliveryDeploymentEvidence[] | undefined;
    do {
      const page = await delivery.evidence(
        { ...RANGE, kind: 'deployments', limit: 4, after },
        false,
      );
      const items = page.items as DeliveryDeploymentEvidence[];
      first ??= items;
      subjects.push(...items.map(i => i.subject.split('/').pop()!));
      after = page.next;
    } while (after);
    expect(subjects).toEqual([
      'd9',
      'd5',
      'd4',
      'd8',
      'd7',
      'd6',
      'd3',
      'd2',
      'd1',
    ]);
    expect(first!.every(i => i.actor === undefined)).toBe(true);

    const all = (
      await delivery.evidence({ ...RANGE, kind: 'deployments' }, true)
    ).items as DeliveryDeploymentEvidence[];
    const by = (name: string) => all.find(i => i.subject.endsWith(`/${name}`))!;
    expect(by('d2')).toMatchObject({
      failed: true,
      failedBy: { incident: 'pagerduty:incident/i1' },
      rework: false,
      changes: 1,
      actor: u('a1'),
    });
    expect(by('d3')).toMatchObject({
      failed: false,
      failedBy: null,
      rework: true,
      reworkFor: 'pagerduty:incident/i1',
      changes: 2,
    });
    expect(by('d4').failedBy).toEqual({
      rollback: 'github:deployment/acme/api/d5',
    });
    expect(by('d6')).toMatchObject({ status: 'success', failed: false });

    const changes = (
      await delivery.evidence(
        { ...RANGE, kind: 'changes', component: API },
        false,
      )
    ).items as DeliveryChangeEvidence[];
    expect(changes.map(c => c.number)).toEqual([5, 4, 3, 6, 2, 1]);
    const c6 = changes.find(c => c.number === 6)!;
    expect(c6).toMatchObject({
      deployment: 'github:deployment/acme/api/d3',
      leadTimeSeconds: 4.5 * H,
    });
    expect(c6.actor).toBeUndefined();
    expect(changes.find(c => c.number === 5)!.deployment).toBeUndefined();

    const incidents = (
      await delivery.evidence(
        { ...RANGE, kind: 'incidents', team: TEAM_A },
        false,
      )
    ).items as DeliveryIncidentEvidence[];
    expect(
      incidents.map(i => [i.subject, i.recoverySeconds, i.deployment]),
    ).toEqual([
      ['pagerduty:incident/i3', undefined, undefined],
      ['pagerduty:incident/i2', 48 * H, undefined],
      ['pagerduty:incident/i1', 4 * H, 'github:deployment/acme/api/d2'],
    ]);
  });

  it('gives onboarding cohorts without per-person rows, folding small groups', async () => {
    const { delivery, teams } = await setup();
    const report = await delivery.onboarding(RANGE, teams);
    expect(report.nthChange).toBe(2);
    // n1, n2, n4 from the annotation; n3 first seen on 09-14.
    expect(report.startDates).toEqual({ annotation: 3, firstSeen: 1 });
    // Days to the first change: n1 2, n2 0, n3 2; to the 2nd: n1 5, n2 7.
    expect(report.totals).toEqual({
      newUsers: 4,
      withFirstChange: 3,
      medianDaysToFirstChange: 2,
      withNthChange: 2,
      medianDaysToNthChange: 5,
    });
    expect(report.byMonth).toEqual([{ month: '2026-09-01', ...report.totals }]);
    expect(report.byTeam).toEqual([
      {
        team: TEAM_C,
        title: 'team-c',
        newUsers: 3,
        withFirstChange: 3,
        medianDaysToFirstChange: 2,
        withNthChange: 2,
        medianDaysToNthChange: 5,
      },
      {
        team: 'other',
        title: 'Other (small teams)',
        folded: true,
        teams: 1,
        newUsers: 1,
        withFirstChange: 0,
        medianDaysToFirstChange: null,
        withNthChange: 0,
        medianDaysToNthChange: null,
      },
    ]);
    expect(JSON.stringify(report)).not.toMatch(/user:default/);

    // One team: only its members are looked up, with the same figures.
    const team = await delivery.onboarding({ ...RANGE, team: TEAM_C }, teams);
    const { team: _t, title: _title, ...teamFigures } = report.byTeam[0];
    expect(team.totals).toEqual(teamFigures);
    expect(team.byTeam).toEqual([report.byTeam[0]]);

    // A month cohort under the minimum is folded.
    const late = await delivery.onboarding(
      { from: '2026-09-09', to: '2026-09-20' },
      teams,
    );
    expect(late.byMonth).toEqual([
      {
        month: '2026-09-01',
        newUsers: 2,
        withFirstChange: 0,
        medianDaysToFirstChange: null,
        withNthChange: 0,
        medianDaysToNthChange: null,
        folded: true,
      },
    ]);
  });

  it('compares golden-path components with the rest and teams before and after adoption', async () => {
    const { delivery, teams } = await setup();
    const report = await delivery.impact(RANGE, teams);
    expect(report.caveat).toBe(IMPACT_CAVEAT);
    const { goldenPath, other } = report.goldenPath;
    expect(goldenPath.n).toBe(1);
    expect(goldenPath.delivery.deploymentFrequency.deployments).toBe(5);
    expect(goldenPath.delivery.changeFailureRate.rate).toBe(0.4);
    // web, tool, the unmapped orphan and sandbox repos
    expect(other.n).toBe(4);
    expect(other.delivery.deploymentFrequency.deployments).toBe(4);
    expect(other.delivery.changeFailureRate.rate).toBe(0);
    // No new user is in team-a (the golden-path team): too few to show.
    expect(goldenPath.onboarding).toMatchObject({
      newUsers: 0,
      medianDaysToFirstChange: null,
    });
    expect(other.onboarding).toMatchObject({
      newUsers: 4,
      medianDaysToFirstChange: 2,
    });

    const teamA = report.teams.find(t => t.team === TEAM_A)!;
    expect(teamA.adoptedAt).toBe(d('10', '10:00'));
    expect(teamA.adoptedBy).toBe('golden-path');
    expect(teamA.before!.n).toBe(3);
    expect(teamA.before!.delivery.deploymentFrequency.deployments).toBe(3);
    expect(teamA.before!.delivery.changeFailureRate.failed).toBe(1);
    expect(teamA.after!.n).toBe(11);
    expect(teamA.after!.delivery.deploymentFrequency.deployments).toBe(4);
    expect(teamA.after!.delivery.reworkRate.rework).toBe(1);

    // team-c never adopted: the whole range is "before".
    const teamC = report.teams.find(t => t.team === TEAM_C)!;
    expect(teamC).toMatchObject({
      adoptedAt: null,
      adoptedBy: null,
      after: null,
    });
    expect(teamC.before!.n).toBe(14);
    expect(teamC.before!.onboarding.newUsers).toBe(3);
    // It owns no component: no deployment frequency to rate (not "Low").
    expect(teamC.before!.delivery.deploymentFrequency).toMatchObject({
      deployments: 0,
      tier: null,
    });
    expect(teamA.after!.delivery.deploymentFrequency.tier).not.toBeNull();

    // team-b (2 members) is folded: 8 days before its platform request on
    // 09-15, 6 after.
    const folded = report.teams.find(t => t.team === 'other')!;
    expect(folded).toMatchObject({ folded: true, teams: 1, adoptedAt: null });
    expect(folded.before!.n).toBe(8);
    expect(folded.after!.n).toBe(6);
    expect(folded.before!.delivery.deploymentFrequency.deployments).toBe(1);
    expect(folded.after!.delivery.deploymentFrequency.deployments).toBe(0);
    expect(report.teams.map(t => t.team)).toEqual([TEAM_A, TEAM_C, 'other']);
  });

  it('gives a team wholly after its adoption the delivery report figures, and splits only a team that adopted in the range', async () => {
    const { delivery, teams } = await setup();
    // The second week: team-a adopted before it (09-10), team-b in it (09-15).
    const week2 = { from: '2026-09-14', to: '2026-09-20' };
    const [report, impact] = await Promise.all([
      delivery.delivery(week2, teams),
      delivery.impact(week2, teams),
    ]);
    const figures = (f: Record<string, unknown>) => ({
      deploymentFrequency: f.deploymentFrequency,
      leadTime: f.leadTime,
      changeFailureRate: f.changeFailureRate,
      recoveryTime: f.recoveryTime,
      reworkRate: f.reworkRate,
    });
    const teamA = impact.teams.find(t => t.team === TEAM_A)!;
    expect(teamA.before).toBeNull();
    expect(teamA.after!.n).toBe(7);
    expect(figures(teamA.after!.delivery as any)).toEqual(
      figures(report.byTeam.find(t => t.team === TEAM_A)! as any),
    );
    // The same impact report when asked alone.
    expect(await delivery.impact(week2, teams)).toEqual(impact);
    // team-b (folded) still split at 09-15: one day before, six after.
    const folded = impact.teams.find(t => t.team === 'other')!;
    expect(folded.before!.n).toBe(1);
    expect(folded.after!.n).toBe(6);
  });

  it('gives the Delivery tab the same reports at once as one by one, reading the range once', async () => {
    const { delivery, teams, index, db } = await setup();
    await index.catchUp();
    const alone = {
      delivery: await delivery.delivery(RANGE, teams),
      impact: await delivery.impact(RANGE, teams),
      onboarding: await delivery.onboarding(RANGE, teams),
    };
    const reads: string[] = [];
    const listen = (q: { sql: string }) => {
      // Reads only: the catch-up reads the last 30 s of facts again.
      if (/^select .* from .devex_delivery_weeks/.test(q.sql))
        reads.push(q.sql);
    };
    db.on('query', listen);
    try {
      const [atOnce, impactAtOnce, onboardingAtOnce] = await Promise.all([
        delivery.delivery(RANGE, teams),
        delivery.impact(RANGE, teams),
        delivery.onboarding(RANGE, teams),
      ]);
      expect({
        delivery: atOnce,
        impact: impactAtOnce,
        onboarding: onboardingAtOnce,
      }).toEqual(alone);
      // RANGE (09-07..09-20) is two whole weeks: one read of the weekly
      // rollup for both reports (impact reads team-a's adoption week again
      // as days), where one by one made two.
      expect(reads).toHaveLength(1);
    } finally {
      db.removeListener('query', listen);
    }
  });

  it('answers from what the index has read when it is behind, saying how much is left', async () => {
    const { delivery, teams, index, db } = await setup({ catchUpBudgetMs: 0 });
    const stored = Number(
      (await db('devex_facts').count({ n: '*' }).first())!.n,
    );
    // No time to read the history first: the figures so far, and the rest.
    const early = await delivery.delivery(RANGE, teams);
    expect(early.indexing?.factsBehind).toBeGreaterThan(0);
    expect(early.indexing!.factsBehind).toBeLessThanOrEqual(stored);
    const onboarding = await delivery.onboarding(RANGE, teams);
    expect(onboarding.indexing?.factsBehind).toBeGreaterThanOrEqual(0);
    // The run went on in the background: read, nothing left to say.
    await index.catchUp();
    const late = await delivery.delivery(RANGE, teams);
    expect(late.indexing).toBeUndefined();
    expect(late.totals.deploymentFrequency.deployments).toBe(9);
    // The catch-up that report started in the background ends here.
    await index.catchUp();
  });

  it('keeps the same answers when facts arrive in another order and are read again', async () => {
    const { delivery, teams, store, db, index } = await setup();
    const before = await delivery.delivery(RANGE, teams);
    // Reading everything again changes nothing.
    await db('devex_cursors').where('source', 'delivery-index').delete();
    await index.catchUp();
    expect(await delivery.delivery(RANGE, teams)).toEqual(before);
    // Nor does rebuilding the per-day rollup from the index tables, as the
    // migration that adds it asks the first catch-up to.
    const daysRows = async () => [
      ...(await db('devex_delivery_days').orderBy(['scope', 'day']).select()),
      ...(await db('devex_delivery_weeks').orderBy(['scope', 'week']).select()),
    ];
    const kept = await daysRows();
    expect(kept.length).toBeGreaterThan(5);
    await db('devex_delivery_days').delete();
    await db('devex_delivery_weeks').delete();
    await db('devex_cursors').insert({
      source: 'delivery-index',
      key: 'days/rebuild',
      value: 'true',
      updated_at: new Date().toISOString(),
    });
    await index.catchUp();
    expect(
      await db('devex_cursors').where({ key: 'days/rebuild' }).first(),
    ).toBeUndefined();
    expect(await daysRows()).toEqual(kept);
    expect(await delivery.delivery(RANGE, teams)).toEqual(before);
    // Neither does the migration down and up, the rollup's and the index's
    // (the index is filled again).
    const migrations = {
      directory: MIGRATIONS_DIR,
      tableName: MIGRATIONS_TABLE,
    };
    await db.migrate.down(migrations);
    expect(await db.schema.hasTable('devex_delivery_days')).toBe(false);
    expect(await db.schema.hasTable('devex_delivery_weeks')).toBe(false);
    expect(await db.schema.hasTable('devex_delivery_deployments')).toBe(true);
    await db.migrate.down(migrations);
    expect(await db.schema.hasTable('devex_delivery_deployments')).toBe(false);
    await db.migrate.latest(migrations);
    expect(await delivery.delivery(RANGE, teams)).toEqual(before);

    // A late production deployment of web on 09-19 after i3 opened: rework;
    // a backfilled older change of web lands in it.
    await store.write('delivery', [
      change('web', 9, {
        merged: d('18', '08:00'),
        first: d('18', '07:00'),
        entityRef: WEB,
      }),
      deployment('web', 'd10', {
        created: d('19', '11:00'),
        time: d('19', '12:00'),
        sha: 'w3',
        entityRef: WEB,
      }),
    ]);
    const after = await delivery.delivery({ ...RANGE, component: WEB }, teams);
    expect(after.totals.deploymentFrequency.deployments).toBe(3);
    expect(after.totals.reworkRate.rework).toBe(2);
    expect(after.totals.leadTime.changes).toBe(2);
    expect(after.totals.leadTime.p90Seconds).toEqual(about(29 * H));
  });
});
