import { DatabaseService } from '@backstage/backend-plugin-api';
import { TestDatabaseId } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { DirectorySnapshot, DirectoryStore } from '../database/DirectoryStore';
import { FactStore } from '../database/FactStore';
import { connectDevexDatabase } from '../database/migrate';
import { WriteLock } from '../database/WriteLock';
import { MetricsService } from '../metrics/MetricsService';
import { SourceRegistry } from '../registry/SourceRegistry';
import { ReportingCalendar } from '../rollups/days';

/** SQLite always; PostgreSQL when a connection string is configured. */
export function testDatabaseIds(): TestDatabaseId[] {
  const ids: TestDatabaseId[] = ['SQLITE_3'];
  for (const version of [18, 17, 16, 15, 14, 13]) {
    if (
      process.env[
        `BACKSTAGE_TEST_DATABASE_POSTGRES${version}_CONNECTION_STRING`
      ]
    ) {
      ids.push(`POSTGRES_${version}` as TestDatabaseId);
      break;
    }
  }
  return ids;
}

export async function createTestStore(
  knex: Knex,
  options: { timeZone?: string; minGroupSize?: number } = {},
) {
  const database = {
    getClient: async () => knex,
  } as unknown as DatabaseService;
  const db = await connectDevexDatabase(database);
  const calendar = new ReportingCalendar(options.timeZone ?? 'UTC');
  const directory = new DirectoryStore(db);
  const store = new FactStore(db, directory, calendar, new WriteLock());
  const registry = new SourceRegistry();
  const metrics = new MetricsService(db, store, directory, registry, calendar, {
    minGroupSize: options.minGroupSize ?? 3,
  });
  return { db, calendar, directory, store, registry, metrics };
}

/** A directory snapshot from `{ team: [users] }` (names, not refs). */
export function org(teams: Record<string, string[]>): DirectorySnapshot {
  const users = new Set<string>();
  const memberships: [string, string][] = [];
  for (const [team, members] of Object.entries(teams)) {
    for (const m of members) {
      users.add(m);
      memberships.push([`user:default/${m}`, `group:default/${team}`]);
    }
  }
  return {
    users: [...users].map(u => ({ ref: `user:default/${u}` })),
    groups: Object.keys(teams).map(t => ({
      ref: `group:default/${t}`,
      title: t,
    })),
    memberships,
  };
}

/** Every rollup row, sorted, with sums rounded (float noise of add/subtract). */
export async function rollupSnapshot(db: Knex) {
  const daily = (await db('devex_rollup_daily').select()).map(r => ({
    ...r,
    count: Number(r.count),
    sum: Math.round(Number(r.sum) * 1000) / 1000,
  }));
  const histogram = (await db('devex_rollup_histogram').select()).map(r => ({
    ...r,
    count: Number(r.count),
    bucket: Number(r.bucket),
  }));
  const active = (await db('devex_rollup_active').select()).map(r => ({
    ...r,
    events: Number(r.events),
  }));
  const subjects = (await db('devex_subjects').select()).map(r => ({
    ...r,
    fact_id: Number(r.fact_id),
  }));
  const periods = (await db('devex_active_periods').select()).map(r => ({
    ...r,
    events: Number(r.events),
  }));
  const counts = (await db('devex_active_counts').select()).map(r => ({
    ...r,
    users: Number(r.users),
    events: Number(r.events),
  }));
  const firstSeen = await db('devex_first_seen').select();
  const dailyPeriods = (await db('devex_rollup_periods').select()).map(r => ({
    ...r,
    count: Number(r.count),
    sum: Math.round(Number(r.sum) * 1000) / 1000,
  }));
  const histogramPeriods = (await db('devex_histogram_periods').select()).map(
    r => ({ ...r, count: Number(r.count), bucket: Number(r.bucket) }),
  );
  // Bitmaps as the users they hold, so that the check does not depend on
  // which ordinal a user got.
  const actorOf = new Map(
    (await db('devex_actor_ordinals').select()).map(r => [
      Number(r.ordinal),
      r.actor as string,
    ]),
  );
  const sets = (await db('devex_active_sets').select()).map(r => {
    const bits = new Uint8Array(r.users);
    const users: string[] = [];
    bits.forEach((byte, i) => {
      for (let b = 0; b < 8; b++) {
        if (byte & (1 << b))
          users.push(actorOf.get(i * 8 + b) ?? `#${i * 8 + b}`);
      }
    });
    return { ...r, users: users.sort(), bytes: bits.length };
  });
  const sort = (rows: Record<string, unknown>[]) =>
    rows.map(r => JSON.stringify(r, Object.keys(r).sort())).sort();
  return {
    daily: sort(daily),
    histogram: sort(histogram),
    active: sort(active),
    subjects: sort(subjects),
    periods: sort(periods),
    counts: sort(counts),
    firstSeen: sort(firstSeen),
    dailyPeriods: sort(dailyPeriods),
    histogramPeriods: sort(histogramPeriods),
    sets: sort(sets),
  };
}
