import { TestDatabases } from '@backstage/backend-test-utils';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';
import {
  createTestStore,
  org,
  rollupSnapshot,
  testDatabaseIds,
} from '../__testUtils__/testStore';
import { goldenPathsReport } from './GoldenPathsReport';
import { addDays, eachDay } from '../rollups/days';
import { coverRange as tile, nextMonth, nextQuarter } from './rangeCover';
import { RollupReader, signedCover } from './RollupReader';
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

/** How many times each day is counted by signed pieces (day → net count). */
function netDays(range: { from: string; to: string }, today?: string) {
  const net = new Map<string, number>();
  const add = (from: string, to: string, sign: number) => {
    for (const day of eachDay(from, to))
      net.set(day, (net.get(day) ?? 0) + sign);
  };
  for (const { sign, cover } of signedCover(range, today)) {
    for (const q of cover.quarters) add(q, addDays(nextQuarter(q), -1), sign);
    for (const m of cover.months) add(m, addDays(nextMonth(m), -1), sign);
    for (const w of cover.weeks) add(w, addDays(w, 6), sign);
    for (const d of cover.days) add(d.from, d.to, sign);
  }
  return net;
}

describe('signedCover', () => {
  it('counts every day of the range once and every other day zero times', () => {
    const froms = ['2025-12-03', '2026-01-01', '2026-02-11', '2026-03-30'];
    const tos = ['2026-03-31', '2026-04-01', '2026-08-19', '2026-12-02'];
    for (const from of froms) {
      for (const to of [...tos, addDays(from, 0), addDays(from, 9)]) {
        if (from > to) continue;
        for (const today of [undefined, to, '2026-12-02']) {
          const net = netDays({ from, to }, today);
          for (const [day, count] of net) {
            expect([day, count]).toEqual([
              day,
              day >= from && day <= to ? 1 : 0,
            ]);
          }
          for (const day of eachDay(from, to)) expect(net.get(day)).toBe(1);
        }
      }
    }
  });

  it('reads a year to today as December minus two days and four quarters minus the days after today', () => {
    expect(
      signedCover({ from: '2025-12-03', to: '2026-12-02' }, '2026-12-02'),
    ).toEqual([
      {
        sign: 1,
        cover: {
          quarters: ['2026-01-01', '2026-04-01', '2026-07-01', '2026-10-01'],
          months: ['2025-12-01'],
          weeks: [],
          days: [],
        },
      },
      {
        sign: -1,
        cover: {
          quarters: [],
          months: [],
          weeks: [],
          days: [{ from: '2025-12-01', to: '2025-12-02' }],
        },
      },
      {
        sign: -1,
        cover: {
          quarters: [],
          months: [],
          weeks: [],
          days: [{ from: '2026-12-03', to: '2026-12-31' }],
        },
      },
    ]);
    // A whole month is just that month.
    expect(signedCover({ from: '2026-09-01', to: '2026-09-30' })).toEqual([
      {
        sign: 1,
        cover: { quarters: [], months: ['2026-09-01'], weeks: [], days: [] },
      },
    ]);
  });
});

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
    // Today before the last facts: covers that reach past a range's end
    // subtract days that do have rows.
    const early = new RollupReader(db, { today: () => '2026-10-14' });
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
    let subtracted = 0;
    for (const range of ranges) {
      for (const today of [undefined, '2026-10-14']) {
        if (signedCover(range, today).some(p => p.sign === -1)) subtracted++;
      }
      const cover = tile(range, { quarters: true });
      covered += cover.months.length + cover.weeks.length;
      quarters += cover.quarters.length;
      for (const team of [undefined, 'group:default/a']) {
        const query = { ...range, ...(team ? { team } : {}) };
        const goldenPaths = await goldenPathsReport(days, query, teams, 3);
        const serviceLevels = await serviceLevelsReport(days, query);
        for (const reader of [periods, early]) {
          expect(await goldenPathsReport(reader, query, teams, 3)).toEqual(
            goldenPaths,
          );
          expect(await serviceLevelsReport(reader, query)).toEqual(
            serviceLevels,
          );
        }
      }
    }
    expect(covered).toBeGreaterThan(6);
    expect(quarters).toBeGreaterThan(0);
    expect(subtracted).toBeGreaterThanOrEqual(3);
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
