/*
 * DevEx dashboard API latency with a large fact store.
 *
 * Loads BENCH_FACTS facts (default 10,000,000) over the last 365 days for
 * 2,000 users in 50 teams: portal activity, golden-path runs (some
 * recovered, so superseded), platform requests / pick-ups / Ready / failures
 * and rollouts, with the bench-only bulk loader (bulkLoad.ts: the store's own
 * rollup code on each day's facts, facts inserted in bulk). Then a real
 * backend answers each tab's question over HTTP, as the guest user, and the
 * p50 / p95 per question are printed.
 *
 * The data is kept and reused: SQLite in BENCH_DATA_DIR (default
 * /tmp/devexbench-<facts>), PostgreSQL in the databases prefixed
 * devexbench_<facts>_. BENCH_FRESH=1 loads again; BENCH_DROP=1 removes them
 * at the end. BENCH_ONLY=<text> asks only the questions whose name contains
 * it (e.g. "golden-paths").
 *
 *   BENCH_DATABASE=sqlite|postgres BENCH_FACTS=10000000 node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs bench/devex/dashboard.ts
 */
import { DatabaseService } from '@backstage/backend-plugin-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { rollupSnapshot } from '../../plugins/devex-backend/src/__testUtils__/testStore';
import { DirectoryStore } from '../../plugins/devex-backend/src/database/DirectoryStore';
import { FactStore } from '../../plugins/devex-backend/src/database/FactStore';
import { WriteLock } from '../../plugins/devex-backend/src/database/WriteLock';
import { ReportingCalendar } from '../../plugins/devex-backend/src/rollups/days';
import { connectDevexDatabase } from '../../plugins/devex-backend/src/database/migrate';
import {
  benchDatabase,
  DevexBenchTarget,
  dropBenchDatabases,
  postgresAdmin,
  postgresUrl,
  spawnDevexBackend,
} from './backend';
import { bulkLoad } from './bulkLoad';

const FACTS = Number(process.env.BENCH_FACTS ?? 10_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40);
const USERS = 2000;
const TEAMS = 50;
const DAYS = 365;

function team(user: number) {
  // 40 teams of 50; the last 10 "teams" are small (folded into other).
  return user < 1980
    ? `group:default/team-${user % 40}`
    : `group:default/small-${user % 10}`;
}

function percentile(values: number[], q: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

function pluginDb(target: DevexBenchTarget): Knex {
  if (target.database === 'postgres') {
    return knexFactory({
      client: 'pg',
      connection: `${postgresUrl()}/${target.pgPrefix}devex`,
      pool: { min: 0, max: 4 },
    });
  }
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(target.dir, 'devex.sqlite') },
    useNullAsDefault: true,
  });
}

/** Whether the kept data set already holds the facts of this run. */
async function loadedFacts(target: DevexBenchTarget): Promise<number> {
  if (target.database === 'postgres') {
    const exists = await postgresAdmin(async admin => {
      const { rows } = await admin.raw(
        'SELECT 1 FROM pg_database WHERE datname = ?',
        [`${target.pgPrefix}devex`],
      );
      return rows.length > 0;
    });
    if (!exists) return 0;
  } else if (!fs.existsSync(path.join(target.dir, 'devex.sqlite'))) {
    return 0;
  }
  const db = pluginDb(target);
  try {
    const row = await db('devex_facts').max({ n: 'id' }).first();
    return Number(row?.n ?? 0);
  } catch {
    return 0;
  } finally {
    await db.destroy();
  }
}

async function main() {
  const database = benchDatabase();
  const dir =
    process.env.BENCH_DATA_DIR ?? path.join(os.tmpdir(), `devexbench-${FACTS}`);
  fs.mkdirSync(dir, { recursive: true });
  const target: DevexBenchTarget = {
    database,
    dir,
    logFile: path.join(dir, 'backend.log'),
    pgPrefix: database === 'postgres' ? `devexbench_${FACTS}_` : undefined,
  };
  try {
    const before = process.env.BENCH_FRESH ? 0 : await loadedFacts(target);
    if (before >= FACTS) {
      console.log(
        `[${database}] reusing ${before} facts (${target.pgPrefix ?? dir})`,
      );
    } else {
      if (database === 'postgres') {
        await dropBenchDatabases(target.pgPrefix!);
        await postgresAdmin(admin =>
          admin.raw(`CREATE DATABASE "${target.pgPrefix}devex"`),
        );
      } else {
        for (const file of fs.readdirSync(dir)) {
          if (file.startsWith('devex.sqlite')) fs.rmSync(path.join(dir, file));
        }
      }
      const db = pluginDb(target);
      await connectDevexDatabase({
        getClient: async () => db,
      } as unknown as DatabaseService);
      const directory = new DirectoryStore(db);
      const users = Array.from(
        { length: USERS },
        (_, u) => `user:default/u${u}`,
      );
      await directory.sync(
        {
          users: users.map(ref => ({ ref })),
          groups: [
            ...Array.from({ length: 40 }, (_, t) => ({
              ref: `group:default/team-${t}`,
              title: `Team ${t}`,
            })),
            ...Array.from({ length: 10 }, (_, t) => ({
              ref: `group:default/small-${t}`,
            })),
          ],
          memberships: users.map(
            (ref, u) => [ref, team(u)] as [string, string],
          ),
        },
        new Date(Date.now() - (DAYS + 1) * 86_400_000),
      );
      const t0 = Date.now();
      console.log(
        `[${database}] loading ${FACTS} facts, ${USERS} users, ${TEAMS} teams, ${DAYS} days`,
      );
      const loaded = await bulkLoad(
        db,
        { users: USERS, days: DAYS, team },
        FACTS,
        line => console.log(`[${database}]${line}`),
      );
      const count = async (table: string) =>
        Number((await db(table).count({ n: '*' }))[0].n);
      console.log(
        `[${database}] ${loaded} facts loaded in ${(
          (Date.now() - t0) /
          1000
        ).toFixed(0)} s; rows: daily ${await count(
          'devex_rollup_daily',
        )}, histogram ${await count(
          'devex_rollup_histogram',
        )}, active per day ${await count(
          'devex_rollup_active',
        )}, per week/month ${await count(
          'devex_active_periods',
        )}, counts ${await count(
          'devex_active_counts',
        )}, daily per week/month ${await count(
          'devex_rollup_periods',
        )}, histogram per week/month ${await count(
          'devex_histogram_periods',
        )}, user bitmaps ${await count('devex_active_sets')}`,
      );
      if (process.env.BENCH_VERIFY) {
        // The loader must leave what the store's own rebuild computes.
        const loadedRollups = await rollupSnapshot(db);
        await new FactStore(
          db,
          directory,
          new ReportingCalendar('UTC'),
          new WriteLock(),
        ).rebuild();
        const same =
          JSON.stringify(await rollupSnapshot(db)) ===
          JSON.stringify(loadedRollups);
        console.log(
          `[${database}] rollups after a store rebuild ${
            same ? 'equal' : 'DIFFER FROM'
          } the loaded ones`,
        );
        if (!same) process.exitCode = 1;
      }
      await db.destroy();
    }

    if (process.env.BENCH_LOAD_ONLY) return;
    console.log(
      `[${database}] load average ${os
        .loadavg()
        .map(l => l.toFixed(2))
        .join(' ')}`,
    );
    const backend = await spawnDevexBackend(target);
    try {
      const day = (offset: number) =>
        new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
      const teamA = encodeURIComponent('group:default/team-1');
      const questions: [string, string][] = [];
      for (const tab of ['adoption', 'golden-paths', 'service-levels']) {
        questions.push([
          `${tab} 90 days`,
          `/metrics/${tab}?from=${day(90)}&to=${day(0)}`,
        ]);
        questions.push([
          `${tab} 90 days, one team`,
          `/metrics/${tab}?from=${day(90)}&to=${day(0)}&team=${teamA}`,
        ]);
        questions.push([
          `${tab} 365 days`,
          `/metrics/${tab}?from=${day(364)}&to=${day(0)}`,
        ]);
      }
      questions.push([
        'team summary 90 days',
        `/teams/summary?from=${day(90)}&to=${day(0)}&team=${teamA}`,
      ]);
      // BENCH_ONLY=golden-paths asks only the questions whose name contains it.
      const only = process.env.BENCH_ONLY;
      for (const [name, url] of questions.filter(
        ([n]) => !only || n.includes(only),
      )) {
        const times: number[] = [];
        for (let i = 0; i < REQUESTS + 3; i++) {
          const t = performance.now();
          const res = await fetch(`${backend.baseUrl}/api/devex${url}`, {
            headers: { Authorization: `Bearer ${backend.userToken}` },
          });
          if (!res.ok)
            throw new Error(`${name}: ${res.status} ${await res.text()}`);
          await res.json();
          if (i >= 3) times.push(performance.now() - t); // 3 warm-up requests
        }
        console.log(
          `[${database}] ${name.padEnd(30)} p50 ${percentile(times, 0.5)
            .toFixed(1)
            .padStart(7)} ms  p95 ${percentile(times, 0.95)
            .toFixed(1)
            .padStart(7)} ms  (${REQUESTS} requests, load ${os
            .loadavg()[0]
            .toFixed(1)})`,
        );
      }
    } finally {
      await backend.stop();
    }
  } finally {
    if (process.env.BENCH_DROP) {
      fs.rmSync(dir, { recursive: true, force: true });
      if (target.pgPrefix) await dropBenchDatabases(target.pgPrefix);
    } else {
      console.log(`kept ${target.pgPrefix ?? dir}`);
    }
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
