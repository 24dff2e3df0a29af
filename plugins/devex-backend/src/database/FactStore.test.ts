import { TestDatabases } from '@backstage/backend-test-utils';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';
import {
  createTestStore,
  org,
  rollupSnapshot,
  testDatabaseIds,
} from '../__testUtils__/testStore';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE } from './migrate';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

const run = (
  id: string,
  status: string,
  time: string,
  extra: Partial<DevexFact> = {},
): DevexFact => ({
  sourceId: `test:task/${id}/${status}/${time}`,
  kind: 'golden-path.run',
  time,
  actor: 'user:default/ada',
  templateRef: 'template:default/node-service',
  subject: `test:task/${id}`,
  value: 100,
  attributes: {
    status,
    ...(status === 'completed' ? { timeSavedSeconds: 3600 } : {}),
  },
  ...extra,
});

describe.each(databases.eachSupportedId())('FactStore on %p', databaseId => {
  async function setup(options?: { timeZone?: string }) {
    const knex = await databases.init(databaseId);
    return createTestStore(knex, options);
  }

  it('stores a re-delivered fact once and counts it as a duplicate', async () => {
    const { db, store } = await setup();
    const facts = [
      run('1', 'completed', '2026-11-02T10:00:00Z'),
      run('2', 'failed', '2026-11-02T11:00:00Z'),
    ];
    expect(await store.write('test', facts)).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [],
    });
    const before = await rollupSnapshot(db);
    expect(await store.write('test', [...facts, facts[0]])).toEqual({
      accepted: 0,
      duplicates: 3,
      rejected: [],
    });
    expect(await rollupSnapshot(db)).toEqual(before);
    expect(Number((await db('devex_facts').count({ n: '*' }))[0].n)).toBe(2);
  });

  it('rejects a bad fact with its index and field and stores the good ones', async () => {
    const { store } = await setup();
    const result = await store.write('test', [
      run('1', 'completed', '2026-11-02T10:00:00Z'),
      { ...run('2', 'completed', '2026-11-02T10:00:00Z'), time: 'yesterday' },
      { ...run('3', 'completed', '2026-11-02T10:00:00Z'), actor: 'ada' },
      'garbage',
      { ...run('4', 'completed', '2026-11-02T10:00:00Z'), value: 'slow' },
      run('5', 'completed', '2026-11-02T10:00:00Z'),
    ]);
    expect(result.accepted).toBe(2);
    expect(result.rejected.map(r => [r.index, r.field])).toEqual([
      [1, 'time'],
      [2, 'actor'],
      [3, ''],
      [4, 'value'],
    ]);
  });

  it('counts only the newest fact of a subject, whatever order they arrive in', async () => {
    const { db, store } = await setup();
    await store.write('test', [run('1', 'failed', '2026-11-02T10:00:00Z')]);
    await store.write('test', [run('1', 'completed', '2026-11-02T10:30:00Z')]);
    // An older status delivered late changes nothing.
    await store.write('test', [run('1', 'failed', '2026-11-02T10:10:00Z')]);
    const rows = await db('devex_rollup_daily')
      .where({ team: '*', dim: 'all' })
      .select('metric', 'count');
    expect(rows.map(r => [r.metric, Number(r.count)]).sort()).toEqual([
      ['gp.runs.completed', 1],
      ['gp.time-saved', 1],
    ]);
  });

  it('keeps the newest fact of a delivery subject, as a rebuild would, whatever order they arrive in', async () => {
    const { db, store } = await setup();
    const status = (state: string, time: string): DevexFact => ({
      sourceId: `github:deployment/1/${state}/${time}`,
      kind: 'delivery.deployment',
      time,
      subject: 'github:deployment/1',
      entityRef: 'component:default/shop',
      attributes: { state, environment: 'production' },
    });
    const subjects = async () =>
      (
        await db('devex_subjects as s')
          .join('devex_facts as f', 'f.id', 's.fact_id')
          .orderBy(['s.kind', 's.subject'])
          .select('s.subject', 's.time', 'f.source_id')
      ).map(r => [r.subject, r.time, r.source_id]);
    await store.write('delivery', [status('pending', '2026-11-02T10:00:00Z')]);
    // In one batch: a newer status, and an older one after it.
    await store.write('delivery', [
      status('success', '2026-11-02T10:05:00Z'),
      status('in_progress', '2026-11-02T10:02:00Z'),
    ]);
    // Delivered late: older than the one that counts.
    await store.write('delivery', [status('queued', '2026-11-02T10:01:00Z')]);
    const newest = [
      'github:deployment/1',
      '2026-11-02T10:05:00.000Z',
      'github:deployment/1/success/2026-11-02T10:05:00Z',
    ];
    expect(await subjects()).toEqual([newest]);
    // The same time: the later arrival counts.
    await store.write('delivery', [status('failure', '2026-11-02T10:05:00Z')]);
    const later = [
      'github:deployment/1',
      '2026-11-02T10:05:00.000Z',
      'github:deployment/1/failure/2026-11-02T10:05:00Z',
    ];
    expect(await subjects()).toEqual([later]);
    await store.rebuild();
    expect(await subjects()).toEqual([later]);
    expect(await rollupSnapshot(db)).toMatchObject({ daily: [], active: [] });
  });

  it('counts the facts stored per source and kind, with the latest time, re-deliveries once', async () => {
    const { store } = await setup();
    const deployment = (n: number, time: string): DevexFact => ({
      sourceId: `github:deployment/${n}/success`,
      kind: 'delivery.deployment',
      time,
      subject: `github:deployment/${n}`,
      attributes: { state: 'success' },
    });
    // More than one insert statement's worth (60 rows) in one batch.
    const many = Array.from({ length: 130 }, (_, n) =>
      deployment(n, `2026-11-0${1 + (n % 5)}T10:00:00Z`),
    );
    await store.write('delivery', many);
    await store.write('delivery', [
      ...many.slice(0, 10),
      deployment(500, '2026-10-01T00:00:00Z'),
    ]);
    await store.write('test', [run('1', 'completed', '2026-11-02T10:00:00Z')]);
    const stats = await store.sourceStats();
    expect(stats.sort((a, b) => a.source.localeCompare(b.source))).toEqual([
      {
        source: 'delivery',
        kind: 'delivery.deployment',
        facts: 131,
        lastFactAt: '2026-11-05T10:00:00.000Z',
      },
      {
        source: 'test',
        kind: 'golden-path.run',
        facts: 1,
        lastFactAt: '2026-11-02T10:00:00.000Z',
      },
    ]);
  });

  it('fills teams from the membership the actor had at the time of the fact', async () => {
    const { db, store, directory } = await setup();
    await directory.sync(
      org({ payments: ['ada'] }),
      new Date('2026-10-01T00:00:00Z'),
    );
    await directory.sync(
      org({ storefront: ['ada'] }),
      new Date('2026-11-15T00:00:00Z'),
    );
    await store.write('test', [
      run('1', 'completed', '2026-11-02T10:00:00Z'),
      run('2', 'completed', '2026-11-20T10:00:00Z'),
      run('3', 'completed', '2026-11-20T10:00:00Z', {
        teams: ['group:default/explicit'],
      }),
    ]);
    const facts = await db('devex_facts').orderBy('id').select('teams');
    expect(facts.map(f => JSON.parse(f.teams))).toEqual([
      ['group:default/payments'],
      ['group:default/storefront'],
      ['group:default/explicit'],
    ]);
  });

  it('keeps rollups equal to a rebuild from the facts on a random history', async () => {
    const { db, store, directory } = await setup({ timeZone: 'Europe/Berlin' });
    await directory.sync(
      org({ a: ['u0', 'u1', 'u2'], b: ['u3', 'u4'], c: ['u5'] }),
      new Date('2026-09-01T00:00:00Z'),
    );
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(items: T[]) => items[Math.floor(rnd() * items.length)];
    const time = () =>
      new Date(
        Date.parse('2026-10-01T00:00:00Z') +
          Math.floor(rnd() * 40 * 86_400_000),
      ).toISOString();
    const all: DevexFact[] = [];
    for (let i = 0; i < 600; i++) {
      const actor = `user:default/u${Math.floor(rnd() * 7)}`; // u6 has no team
      const kind = pick([
        'activity',
        'activity',
        'golden-path.run',
        'platform.requested',
        'platform.ready',
        'platform.failed',
        'platform.picked-up',
        'platform.rollout.finished',
        'delivery.deployment',
      ]);
      const fact: DevexFact = {
        sourceId: `random:${i}`,
        kind,
        time: time(),
        actor,
        value: Math.round(rnd() * 1000) / 10,
        attributes: {},
      };
      if (kind === 'activity') {
        fact.attributes = { plugin: pick(['catalog', 'scaffolder', 'devex']) };
        if (rnd() < 0.2) fact.subject = `page/${Math.floor(rnd() * 5)}`;
      } else if (kind === 'golden-path.run') {
        fact.templateRef = pick(['template:default/a', 'template:default/b']);
        fact.subject = `task/${Math.floor(rnd() * 60)}`;
        const status = pick(['completed', 'failed', 'cancelled']);
        fact.attributes = {
          status,
          timeSavedSeconds: 1800,
          failedStep: pick(['publish', 'register']),
          failureMessage: pick(['boom', 'conflict']),
        };
      } else if (kind === 'delivery.deployment') {
        // No rollup of its own: only which fact counts for the subject.
        fact.subject = `deployment/${Math.floor(rnd() * 20)}`;
        fact.attributes = { state: pick(['pending', 'success', 'failure']) };
      } else {
        fact.capabilityRef = pick(['local:database', 'kubernetes:bucket']);
        fact.attributes = {
          message: pick(['timeout', 'quota']),
          status: pick(['completed', 'failed']),
        };
        if (rnd() < 0.5) fact.subject = `resource/${Math.floor(rnd() * 30)}`;
      }
      all.push(fact);
    }
    // Batches of random sizes, with re-deliveries mixed in.
    for (let i = 0; i < all.length; ) {
      const size = 1 + Math.floor(rnd() * 80);
      const batch = all.slice(i, i + size);
      if (i > 0 && rnd() < 0.3) batch.push(all[Math.floor(rnd() * i)]);
      await store.write('random', batch);
      i += size;
    }
    const incremental = await rollupSnapshot(db);
    expect(incremental.daily.length).toBeGreaterThan(100);
    expect(incremental.active.length).toBeGreaterThan(100);
    expect(incremental.dailyPeriods.length).toBeGreaterThan(100);
    expect(incremental.histogramPeriods.length).toBeGreaterThan(50);
    expect(incremental.sets.length).toBeGreaterThan(100);
    const rebuilt = await store.rebuild();
    expect(rebuilt.facts).toBeGreaterThan(0);
    expect(await rollupSnapshot(db)).toEqual(incremental);

    // The week/month, bitmap and quarter migrations, down and up again,
    // backfill the same rows.
    const migrations = {
      directory: MIGRATIONS_DIR,
      tableName: MIGRATIONS_TABLE,
    };
    // The delivery index and its per-day rollup (the latest two migrations;
    // they hold none of these rollups).
    await db.migrate.down(migrations);
    await db.migrate.down(migrations);
    await db.migrate.down(migrations);
    const withoutQuarters = await rollupSnapshot(db);
    expect(withoutQuarters.dailyPeriods.length).toBeLessThan(
      incremental.dailyPeriods.length,
    );
    await db.migrate.down(migrations);
    await db.migrate.down(migrations);
    for (const table of [
      'devex_rollup_periods',
      'devex_histogram_periods',
      'devex_active_sets',
      'devex_actor_ordinals',
    ]) {
      expect(await db.schema.hasTable(table)).toBe(false);
    }
    await db.migrate.latest(migrations);
    expect(await rollupSnapshot(db)).toEqual(incremental);
  });

  it('deletes old raw facts on retention, keeps their rollups and the facts that still count', async () => {
    const { db, store } = await setup();
    await store.write('test', [
      run('old', 'completed', '2026-01-02T10:00:00Z'),
      { ...run('x', 'completed', '2026-01-02T10:00:00Z'), subject: undefined },
      run('new', 'completed', '2026-11-20T10:00:00Z'),
    ]);
    await store.write('test', [run('gone', 'failed', '2026-01-03T10:00:00Z')]);
    await store.write('test', [
      run('gone', 'completed', '2026-11-21T10:00:00Z'),
    ]);
    const before = await rollupSnapshot(db);
    const { deleted, retainedFrom } = await store.applyRetention(
      30,
      new Date('2026-11-30T12:00:00Z'),
    );
    expect(retainedFrom).toBe('2026-10-31');
    // The subject-less old fact and the superseded one go; the old winner stays.
    expect(deleted).toBe(2);
    expect(await rollupSnapshot(db)).toEqual(before);
    await store.rebuild();
    expect(await rollupSnapshot(db)).toEqual(before);
  });

  it('exports raw facts a page at a time', async () => {
    const { store } = await setup();
    await store.write(
      'test',
      [1, 2, 3, 4, 5].map(i =>
        run(String(i), 'completed', `2026-11-0${i}T10:00:00Z`),
      ),
    );
    const first = await store.exportFacts({ limit: 2 });
    expect(first.items.map(f => f.sourceId)).toHaveLength(2);
    const second = await store.exportFacts({
      limit: 2,
      after: Number(first.nextCursor),
    });
    const third = await store.exportFacts({
      limit: 2,
      after: Number(second.nextCursor),
    });
    expect(third.nextCursor).toBeUndefined();
    expect(
      [...first.items, ...second.items, ...third.items].map(f => f.time),
    ).toEqual([1, 2, 3, 4, 5].map(i => `2026-11-0${i}T10:00:00.000Z`));
    const kindDay = await store.exportFacts({
      limit: 10,
      from: '2026-11-02',
      to: '2026-11-03',
    });
    expect(kindDay.items).toHaveLength(2);
  });
});
