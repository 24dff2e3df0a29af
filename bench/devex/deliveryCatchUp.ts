/*
 * The delivery index's catch-up in process (issue 12: it held the backend's
 * event loop for 7-23 s a minute under the webhook bench on SQLite).
 *
 * Stores delivery facts the way the webhook bench's deliveries become facts
 * (the real FactStore; BENCH_REPOS repos, each claimed by a component; 3 in
 * 5 merged pull requests, 2 in 5 successful production deployments; times
 * spread over the last 24 h out of order, `now - (n % 86400) s`, as in
 * webhookData.ts), BENCH_HISTORY facts first, then BENCH_ROUNDS rounds of
 * BENCH_BATCH new facts, each followed by one `catchUp()`. Per catch-up:
 * facts/s, ms CPU per fact, the longest event-loop stall (a 1 ms timer's
 * largest lateness) and how many times another query was answered while it
 * ran (a loop of small reads on the same database).
 *
 *   BENCH_DATABASE=sqlite|postgres node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs bench/devex/deliveryCatchUp.ts
 *   BENCH_HISTORY (20000), BENCH_BATCH (6000), BENCH_ROUNDS (3), BENCH_REPOS (40),
 *   BENCH_JUST_RECEIVED=1 (facts received just before each catch-up),
 *   BENCH_SQL=1 (time per statement in the rounds, from knex's query events;
 *   the synchronous SQLite driver makes these rough), node --cpu-prof for a
 *   profile.
 *
 * As in the webhook bench, a repo gets either only pull requests or only
 * deployments (n % 40 and n % 5 go together), so no change is deployed.
 */
import { DatabaseService } from '@backstage/backend-plugin-api';
import knexFactory, { Knex } from 'knex';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectoryStore } from '../../plugins/devex-backend/src/database/DirectoryStore';
import { FactStore } from '../../plugins/devex-backend/src/database/FactStore';
import { connectDevexDatabase } from '../../plugins/devex-backend/src/database/migrate';
import { WriteLock } from '../../plugins/devex-backend/src/database/WriteLock';
import { DeliveryIndex } from '../../plugins/devex-backend/src/metrics/delivery/DeliveryIndex';
import { ReportingCalendar } from '../../plugins/devex-backend/src/rollups/days';
import { benchDatabase, postgresAdmin, postgresUrl } from './backend';

const HISTORY = Number(process.env.BENCH_HISTORY ?? 20_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 6_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REPOS = Number(process.env.BENCH_REPOS ?? 40);
const SHA = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';

let sequence = 0;
/** The facts the delivery module writes for the webhook bench's deliveries. */
function nextFact(now: number) {
  const n = ++sequence;
  const repo = `bench-org/service-${n % REPOS}`;
  const entityRef = `component:default/service-${n % REPOS}`;
  const at = new Date(now - (n % 86_400) * 1000).toISOString();
  if (n % 5 >= 3) {
    return {
      sourceId: `github:deployment/${repo}/${n}/${n}`,
      kind: 'delivery.deployment',
      time: at,
      subject: `github:deployment/${repo}/${n}`,
      actor: `user:default/dev-${n % 20}`,
      entityRef,
      attributes: {
        provider: 'github',
        repo,
        id: String(n),
        environment: 'production',
        production: true,
        status: 'success',
        sha: SHA,
        url: `https://github.com/${repo}/deployments/${n}`,
        createdAt: at,
      },
    };
  }
  return {
    sourceId: `github:pr/${repo}/${n}/merged`,
    kind: 'delivery.change.merged',
    time: at,
    subject: `github:pr/${repo}/${n}`,
    actor: `user:default/dev-${n % 20}`,
    entityRef,
    attributes: {
      provider: 'github',
      repo,
      number: n,
      url: `https://github.com/${repo}/pull/${n}`,
      firstCommitAt: null,
      mergeSha: SHA,
      baseBranch: 'master',
      labels: [],
    },
  };
}

async function open(): Promise<{ db: Knex; drop: () => Promise<void> }> {
  if (benchDatabase() === 'postgres') {
    const name = `devexcatchup_${process.pid}_${randomBytes(3).toString(
      'hex',
    )}`;
    await postgresAdmin(a => a.raw(`CREATE DATABASE "${name}"`));
    const db = knexFactory({
      client: 'pg',
      connection: `${postgresUrl()}/${name}`,
    });
    return {
      db,
      drop: async () => {
        await db.destroy();
        await postgresAdmin(a => a.raw(`DROP DATABASE IF EXISTS "${name}"`));
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devex-catchup-'));
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(dir, 'devex.sqlite') },
    useNullAsDefault: true,
    pool: { min: 1, max: 1 },
  });
  return {
    db,
    drop: async () => {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The longest lateness of a 1 ms timer while `fn` runs. */
async function watched<T>(fn: () => Promise<T>) {
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const t = performance.now();
    longest = Math.max(longest, t - last - 1);
    last = t;
  }, 1);
  try {
    const value = await fn();
    longest = Math.max(longest, performance.now() - last - 1);
    return { value, longestStallMs: longest };
  } finally {
    clearInterval(timer);
  }
}

async function main() {
  const { db: knex, drop } = await open();
  try {
    const db = await connectDevexDatabase({
      getClient: async () => knex,
    } as unknown as DatabaseService);
    const calendar = new ReportingCalendar('UTC');
    const store = new FactStore(
      db,
      new DirectoryStore(db),
      calendar,
      new WriteLock(),
    );
    const index = new DeliveryIndex(db, calendar, { failureWindowHours: 24 });
    const sqlStats = new Map<string, { n: number; ms: number; rows: number }>();
    if (process.env.BENCH_SQL) {
      const started = new Map<string, number>();
      db.on('query', q => started.set(q.__knexQueryUid, performance.now()));
      db.on('query-response', (response, q) => {
        const t = started.get(q.__knexQueryUid);
        if (t === undefined) return;
        started.delete(q.__knexQueryUid);
        const key = String(q.sql)
          .replace(/\(\?(, ?\?)*\)/g, '(?…)')
          .slice(0, 160);
        const s = sqlStats.get(key) ?? { n: 0, ms: 0, rows: 0 };
        s.n++;
        s.ms += performance.now() - t;
        s.rows += Array.isArray(response) ? response.length : 0;
        sqlStats.set(key, s);
      });
    }
    const write = async (count: number) => {
      const now = Date.now();
      // Received a minute ago: settled, so each catch-up reads it once
      // (BENCH_JUST_RECEIVED=1: now, as the scheduled catch-up finds the
      // last 30 s of webhooks).
      const receivedAt = new Date(
        process.env.BENCH_JUST_RECEIVED ? now : now - 60_000,
      );
      for (let i = 0; i < count; i += 500) {
        const facts = Array.from({ length: Math.min(500, count - i) }, () =>
          nextFact(now),
        );
        const r = await store.write('delivery', facts, receivedAt);
        if (r.rejected.length)
          throw new Error(JSON.stringify(r.rejected.slice(0, 2)));
      }
    };
    const db_ = benchDatabase();
    const measure = async (label: string, facts: number) => {
      let served = 0;
      let done = false;
      // Another request's query, one each event-loop turn (as requests
      // arrive: a loop of awaits alone would never let timers run).
      const other = (async () => {
        while (!done) {
          await new Promise(resolve => setImmediate(resolve));
          await db('devex_cursors').first();
          served++;
        }
      })();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const { longestStallMs } = await watched(() => index.catchUp());
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      done = true;
      await other;
      console.log(
        `[${db_}] ${label}: ${facts} facts in ${seconds.toFixed(2)} s = ${(
          facts / seconds
        ).toFixed(0)} facts/s; ${(
          (cpu.user + cpu.system) /
          1000 /
          facts
        ).toFixed(3)} ms CPU a fact; longest stall ${longestStallMs.toFixed(
          0,
        )} ms; other queries answered meanwhile ${served}; load ${os
          .loadavg()[0]
          .toFixed(1)}`,
      );
    };
    await write(HISTORY);
    await measure(`history`, HISTORY);
    sqlStats.clear();
    for (let round = 1; round <= ROUNDS; round++) {
      await write(BATCH);
      await measure(
        `round ${round} (after ${HISTORY + (round - 1) * BATCH})`,
        BATCH,
      );
    }
    for (const [sql, st] of [...sqlStats]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 15))
      console.log(
        `${st.ms.toFixed(0).padStart(7)} ms ${String(st.n).padStart(
          6,
        )}x ${String(st.rows).padStart(8)} rows  ${sql}`,
      );
  } finally {
    await drop();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
