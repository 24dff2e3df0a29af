import { TestDatabases } from '@backstage/backend-test-utils';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';
import {
  createTestStore,
  org,
  rollupSnapshot,
  testDatabaseIds,
} from '../__testUtils__/testStore';
import { coverRange } from './ActiveUsersReader';
import { goldenPathsReport } from './GoldenPathsReport';
import { RollupReader } from './RollupReader';
import { serviceLevelsReport } from './ServiceLevelsReport';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

/** 900 golden-path and platform facts over 100 days from 2026-07-20. */
function randomHistory(): DevexFact[] {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(items: T[]) => items[Math.floor(rnd() * items.length)];
  const facts: DevexFact[] = [];
  for (let i = 0; i < 900; i++) {
    const kind = pick([
      'golden-path.run',
      'golden-path.run',
      'platform.requested',
      'platform.ready',
      'platform.failed',
      'platform.picked-up',
      'platform.rollout.finished',
    ]);
    const fact: DevexFact = {
      sourceId: `ragged:${i}`,
      kind,
      time: new Date(
        Date.parse('2026-07-20T00:00:00Z') +
          Math.floor(rnd() * 100 * 86_400_000),
      ).toISOString(),
      actor: `user:default/u${Math.floor(rnd() * 8)}`, // u7 has no team
      value: Math.round(rnd() * 5000) / 10,
      attributes: {},
    };
    if (kind === 'golden-path.run') {
      fact.templateRef = pick(['template:default/a', 'template:default/b']);
      // Some tasks get a later outcome that supersedes the earlier one.
      fact.subject = `task/${Math.floor(rnd() * 300)}`;
      fact.attributes = {
        status: pick(['completed', 'completed', 'failed', 'cancelled']),
        timeSavedSeconds: 1800,
        failedStep: pick(['publish', 'register']),
        failureMessage: pick(['boom', 'conflict', 'quota']),
      };
    } else {
      fact.capabilityRef = pick(['local:database', 'kubernetes:bucket']);
      fact.attributes = {
        message: pick(['timeout', 'quota']),
        status: pick(['completed', 'failed']),
      };
    }
    facts.push(fact);
  }
  return facts;
}

describe.each(databases.eachSupportedId())('RollupReader on %p', databaseId => {
  it('answers ranges with ragged edges from weeks, months and quarters exactly as from the days', async () => {
    const knex = await databases.init(databaseId);
    const { db, store, directory } = await createTestStore(knex);
    await directory.sync(
      org({
        a: ['u0', 'u1', 'u2'],
        b: ['u3', 'u4', 'u5'],
        c: ['u6'],
      }),
      new Date('2026-07-01T00:00:00Z'),
    );
    const facts = randomHistory();
    for (let i = 0; i < facts.length; i += 70) {
      await store.write('ragged', facts.slice(i, i + 70));
    }
    // The SQL that derives weeks, months and quarters on a rebuild agrees
    // with the writer's own dating of them (July to October: Q3 and Q4).
    const incremental = await rollupSnapshot(db);
    await store.rebuild();
    expect(await rollupSnapshot(db)).toEqual(incremental);
    const teams = new Map([
      ['group:default/a', { members: 3 }],
      ['group:default/b', { members: 3 }],
      ['group:default/c', { members: 1 }],
    ]);
    const periods = new RollupReader(db);
    const days = new RollupReader(db, { periods: false });
    const ranges = [
      // Mid-week to mid-week across two whole months.
      { from: '2026-07-23', to: '2026-10-14' },
      // Whole weeks and edge days inside one month.
      { from: '2026-08-04', to: '2026-08-27' },
      // Exactly one month.
      { from: '2026-09-01', to: '2026-09-30' },
      // A single day, and the whole history (a whole quarter inside).
      { from: '2026-08-15', to: '2026-08-15' },
      { from: '2026-07-01', to: '2026-11-30' },
    ];
    let covered = 0;
    let quarters = 0;
    for (const range of ranges) {
      const cover = coverRange(range, { quarters: true });
      covered += cover.months.length + cover.weeks.length;
      quarters += cover.quarters.length;
      for (const team of [undefined, 'group:default/a']) {
        const query = { ...range, ...(team ? { team } : {}) };
        const goldenPaths = await goldenPathsReport(periods, query, teams, 3);
        expect(goldenPaths).toEqual(
          await goldenPathsReport(days, query, teams, 3),
        );
        const serviceLevels = await serviceLevelsReport(periods, query);
        expect(serviceLevels).toEqual(await serviceLevelsReport(days, query));
      }
    }
    expect(covered).toBeGreaterThan(6);
    expect(quarters).toBeGreaterThan(0);
    // Not vacuous: the ranges have runs, durations, failures and teams.
    const whole = await goldenPathsReport(
      periods,
      { from: '2026-07-23', to: '2026-10-14' },
      teams,
      3,
    );
    expect(whole.totals.runs).toBeGreaterThan(100);
    expect(whole.totals.medianDurationSeconds).not.toBeNull();
    expect(whole.topFailures.length).toBeGreaterThan(3);
    expect(whole.byTeam.find(t => t.team === 'group:default/a')?.runs).toBe(
      (
        await goldenPathsReport(
          periods,
          { from: '2026-07-23', to: '2026-10-14', team: 'group:default/a' },
          teams,
          3,
        )
      ).totals.runs,
    );
  });
});
