import { TestDatabases } from '@backstage/backend-test-utils';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';
import {
  createTestStore,
  org,
  testDatabaseIds,
} from '../__testUtils__/testStore';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

const ORG = org({
  'team-a': ['a1', 'a2', 'a3'],
  'team-b': ['b1'],
  'team-c': ['c1', 'c2'],
});
const TEAM_A = 'group:default/team-a';
const T1 = 'template:default/t1';
const T2 = 'template:default/t2';
const u = (name: string) => `user:default/${name}`;

let n = 0;
const activity = (
  user: string,
  day: string,
  plugin = 'catalog',
): DevexFact => ({
  sourceId: `t:activity/${n++}`,
  kind: 'activity',
  time: `${day}T09:00:00Z`,
  actor: u(user),
  attributes: { plugin, action: 'navigate', subject: '/' },
});
const run = (
  user: string,
  day: string,
  templateRef: string,
  status: string,
  value: number,
  extra: Partial<DevexFact> = {},
): DevexFact => ({
  sourceId: `t:run/${n++}`,
  kind: 'golden-path.run',
  time: `${day}T10:00:00Z`,
  actor: u(user),
  templateRef,
  subject: `t:task/${n}`,
  value,
  attributes: {
    status,
    ...(status === 'completed'
      ? { timeSavedSeconds: templateRef === T1 ? 3600 : 1800 }
      : {}),
    ...(status === 'failed'
      ? { failedStep: 'publish', failureMessage: 'exists' }
      : {}),
  },
  ...extra,
});
const platform = (
  kind: string,
  capabilityRef: string,
  value?: number,
  attributes: Record<string, string> = {},
): DevexFact => ({
  sourceId: `t:platform/${n++}`,
  kind,
  time: '2026-09-08T12:00:00Z',
  actor: u('a1'),
  capabilityRef,
  ...(value === undefined ? {} : { value }),
  attributes,
});

describe.each(databases.eachSupportedId())(
  'MetricsService on %p',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      const context = await createTestStore(knex, { minGroupSize: 3 });
      await context.directory.sync(ORG, new Date('2026-08-01T00:00:00Z'));
      return context;
    }

    it('counts active, new and returning users, cohorts, teams and plugins', async () => {
      const { store, metrics } = await setup();
      const result = await store.write('analytics', [
        activity('c1', '2026-08-31'), // first seen the week before the range
        activity('a1', '2026-09-07'),
        activity('a1', '2026-09-08'),
        activity('a1', '2026-09-08', 'scaffolder'),
        activity('b1', '2026-09-08'),
        activity('c1', '2026-09-08'),
        activity('a2', '2026-09-09'),
        activity('a3', '2026-09-10'),
        activity('a1', '2026-09-14'),
        activity('a3', '2026-09-21'), // after the range: counts for retention only
      ]);
      expect(result.accepted).toBe(10);
      const report = await metrics.adoption({
        from: '2026-09-07',
        to: '2026-09-20',
      });
      expect(report.eligibleUsers).toBe(6);
      expect(report.totals).toEqual({
        activeUsers: 5,
        newUsers: 4,
        returningUsers: 1,
        adoptionRate: 5 / 6,
      });
      const daily = Object.fromEntries(
        report.activeUsers.daily.map(p => [p.date, p.value]),
      );
      expect(report.activeUsers.daily).toHaveLength(14);
      expect(daily).toMatchObject({
        '2026-09-07': 1,
        '2026-09-08': 3,
        '2026-09-09': 1,
        '2026-09-10': 1,
        '2026-09-11': 0,
        '2026-09-14': 1,
      });
      expect(report.activeUsers.weekly).toEqual([
        { date: '2026-09-07', value: 5 },
        { date: '2026-09-14', value: 1 },
      ]);
      expect(report.activeUsers.monthly).toEqual([
        { date: '2026-09-01', value: 5 },
      ]);
      expect(report.newVsReturning).toEqual([
        { week: '2026-09-07', new: 4, returning: 1 },
        { week: '2026-09-14', new: 0, returning: 1 },
      ]);
      expect(report.cohorts).toEqual([
        {
          week: '2026-09-07',
          size: 4,
          retention: [0.25, 0.25, 0, 0, 0, 0, 0, 0],
        },
        { week: '2026-09-14', size: 0, retention: Array(8).fill(null) },
      ]);
      // team-b (1 member) and team-c (2) are below the minimum of 3: folded.
      expect(report.byTeam).toEqual([
        { team: TEAM_A, title: 'team-a', activeUsers: 3, eligibleUsers: 3 },
        {
          team: 'other',
          title: 'Other (small teams)',
          folded: true,
          teams: 2,
          activeUsers: 2,
          eligibleUsers: 3,
        },
      ]);
      expect(report.byPlugin).toEqual([
        { plugin: 'catalog', activeUsers: 5, events: 7 },
        { plugin: 'scaffolder', activeUsers: 1, events: 1 },
      ]);
      expect(report.sources.map(s => [s.id, s.facts])).toEqual([
        ['analytics', 10],
      ]);

      const teamA = await metrics.adoption({
        from: '2026-09-07',
        to: '2026-09-20',
        team: TEAM_A,
      });
      expect(teamA.eligibleUsers).toBe(3);
      expect(teamA.totals.activeUsers).toBe(3);
      expect(teamA.totals.adoptionRate).toBe(1);
      // A cohort of 3 from team-a is at the minimum: shown.
      expect(teamA.cohorts[0]).toEqual({
        week: '2026-09-07',
        size: 3,
        retention: [1 / 3, 1 / 3, 0, 0, 0, 0, 0, 0],
      });
      await expect(
        metrics.adoption({
          from: '2026-09-07',
          to: '2026-09-20',
          team: 'group:default/team-b',
        }),
      ).rejects.toThrow(/^team: .* has 1 member/);
    });

    it('hides the retention of cohorts smaller than the privacy minimum', async () => {
      const { store, metrics } = await setup();
      await store.write('analytics', [
        activity('a1', '2026-09-07'),
        activity('a2', '2026-09-07'),
        activity('a1', '2026-09-14'),
      ]);
      const report = await metrics.adoption({
        from: '2026-09-07',
        to: '2026-09-13',
      });
      expect(report.cohorts).toEqual([
        { week: '2026-09-07', size: 2, retention: Array(8).fill(null) },
      ]);
    });

    it('measures golden paths from outcomes, the latest status of a task winning', async () => {
      const { store, metrics } = await setup();
      const retried = 't:task/retried';
      await store.write('scaffolder', [
        run('a1', '2026-09-07', T1, 'completed', 100),
        run('a2', '2026-09-07', T1, 'completed', 200),
        run('a3', '2026-09-08', T1, 'completed', 300),
        run('a1', '2026-09-09', T1, 'completed', 400),
        run('a2', '2026-09-09', T1, 'failed', 30),
        run('a2', '2026-09-10', T1, 'failed', 30),
        run('b1', '2026-09-10', T2, 'cancelled', 10),
        run('b1', '2026-09-10', T2, 'completed', 50),
        run('a1', '2026-09-11', T1, 'failed', 20, {
          subject: retried,
          attributes: {
            status: 'failed',
            failedStep: 'register',
            failureMessage: 'flaky',
          },
        }),
      ]);
      // The task was recovered and completed later: it counts once, completed.
      await store.write('scaffolder', [
        run('a1', '2026-09-11', T1, 'completed', 600, {
          subject: retried,
          time: '2026-09-11T11:00:00Z',
        }),
      ]);
      const report = await metrics.goldenPaths({
        from: '2026-09-07',
        to: '2026-09-13',
      });
      expect(report.totals.runs).toBe(9);
      expect(report.totals).toMatchObject({
        completed: 6,
        failed: 2,
        cancelled: 1,
        successRate: 0.75,
        timeSavedSeconds: 5 * 3600 + 1800,
      });
      // Completed durations 50 100 200 300 400 600: nearest-rank median 200, p90 600.
      expect(report.totals.medianDurationSeconds).toBeGreaterThanOrEqual(198);
      expect(report.totals.medianDurationSeconds).toBeLessThanOrEqual(202);
      expect(report.totals.p90DurationSeconds).toBeGreaterThanOrEqual(594);
      expect(report.totals.p90DurationSeconds).toBeLessThanOrEqual(606);
      expect(report.topFailures).toEqual([
        { templateRef: T1, step: 'publish', message: 'exists', count: 2 },
      ]);
      expect(
        report.templates.map(t => [
          t.templateRef,
          t.runs,
          t.completed,
          t.successRate,
        ]),
      ).toEqual([
        [T1, 7, 5, 5 / 7],
        [T2, 2, 1, 1],
      ]);
      expect(
        report.byTeam.map(t => [
          t.team,
          t.folded ?? false,
          t.runs,
          t.completed,
          t.cancelled,
        ]),
      ).toEqual([
        [TEAM_A, false, 7, 5, 0],
        ['other', true, 2, 1, 1],
      ]);
      const day = (date: string) => report.series.find(s => s.date === date);
      expect(report.series).toHaveLength(7);
      expect(day('2026-09-10')).toEqual({
        date: '2026-09-10',
        completed: 1,
        failed: 1,
        cancelled: 1,
      });
      expect(day('2026-09-11')).toEqual({
        date: '2026-09-11',
        completed: 1,
        failed: 0,
        cancelled: 0,
      });
    });

    it('measures platform service levels per capability', async () => {
      const { store, metrics } = await setup();
      await store.write('platform', [
        platform('platform.requested', 'local:database'),
        platform('platform.requested', 'local:database'),
        platform('platform.requested', 'local:database'),
        platform('platform.requested', 'kubernetes:bucket'),
        platform('platform.picked-up', 'local:database', 2),
        platform('platform.picked-up', 'local:database', 4),
        platform('platform.picked-up', 'local:database', 6),
        platform('platform.picked-up', 'kubernetes:bucket', 8),
        platform('platform.ready', 'local:database', 60),
        platform('platform.ready', 'local:database', 120),
        platform('platform.failed', 'local:database', undefined, {
          message: 'timeout',
        }),
        platform('platform.failed', 'kubernetes:bucket', undefined, {
          message: 'quota',
        }),
        platform('platform.rollout.finished', 'local:database', undefined, {
          status: 'completed',
        }),
        platform('platform.rollout.finished', 'local:database', undefined, {
          status: 'failed',
        }),
      ]);
      const report = await metrics.serviceLevels({
        from: '2026-09-01',
        to: '2026-09-30',
      });
      const near = (value: number | null, expected: number) =>
        expect(
          Math.abs((value ?? NaN) - expected) / expected,
        ).toBeLessThanOrEqual(0.01);
      expect(report.totals).toMatchObject({
        requests: 4,
        ready: 2,
        failed: 2,
        failureRate: 0.5,
        rolloutsCompleted: 1,
        rolloutsFailed: 1,
      });
      near(report.totals.timeToReadyP50Seconds, 60);
      near(report.totals.timeToReadyP95Seconds, 120);
      near(report.totals.pickupWaitP50Seconds, 4);
      near(report.totals.pickupWaitP95Seconds, 8);
      expect(
        report.capabilities.map(c => [
          c.capabilityRef,
          c.engine,
          c.requests,
          c.failureRate,
        ]),
      ).toEqual([
        ['local:database', 'local', 3, 1 / 3],
        ['kubernetes:bucket', 'kubernetes', 1, 1],
      ]);
      expect(report.topFailures).toEqual([
        { capabilityRef: 'kubernetes:bucket', message: 'quota', count: 1 },
        { capabilityRef: 'local:database', message: 'timeout', count: 1 },
      ]);
      expect(report.series.find(s => s.date === '2026-09-08')).toEqual({
        date: '2026-09-08',
        requests: 4,
        ready: 2,
        failed: 2,
      });
    });

    it('summarizes a team, and shows nothing of a team below the minimum', async () => {
      const { store, metrics } = await setup();
      await store.write('t', [
        activity('a1', '2026-09-07'),
        activity('b1', '2026-09-07'),
        run('a1', '2026-09-07', T1, 'completed', 100),
        run('a2', '2026-09-07', T1, 'failed', 100),
        platform('platform.requested', 'local:database'),
        platform('platform.ready', 'local:database', 90),
      ]);
      const range = { from: '2026-09-01', to: '2026-09-30' };
      const summary = await metrics.teamSummary({ ...range, team: TEAM_A });
      expect(summary).toMatchObject({
        team: TEAM_A,
        folded: false,
        members: 3,
        activeUsers: 1,
        goldenPathRuns: 2,
        goldenPathSuccessRate: 0.5,
        timeSavedSeconds: 3600,
        platformRequests: 1,
      });
      expect(Math.abs(summary.timeToReadyP50Seconds! - 90)).toBeLessThan(1);
      expect(
        await metrics.teamSummary({ ...range, team: 'group:default/team-b' }),
      ).toMatchObject({
        folded: true,
        members: 1,
        activeUsers: null,
        goldenPathRuns: null,
        timeSavedSeconds: null,
      });
    });
  },
);
