/*
 * DevEx dashboard API latency with a large fact store.
 *
 * Seeds BENCH_FACTS facts (default 10,000,000) over the last 365 days for
 * 2,000 users in 50 teams: portal activity, golden-path runs (some
 * recovered, so superseded), platform requests / pick-ups / Ready / failures
 * and rollouts. Facts are inserted in bulk and the rollups are computed with
 * the store's own rebuild (the same code as `POST /admin/rebuild`); then a
 * real backend answers each tab's question over HTTP, as the guest user, and
 * the p50 / p95 per tab are printed.
 *
 *   BENCH_DATABASE=sqlite|postgres BENCH_FACTS=10000000 node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs bench/devex/dashboard.ts
 */
import { DatabaseService } from '@backstage/backend-plugin-api';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { DirectoryStore } from '../../plugins/devex-backend/src/database/DirectoryStore';
import { FactStore } from '../../plugins/devex-backend/src/database/FactStore';
import { connectDevexDatabase } from '../../plugins/devex-backend/src/database/migrate';
import { WriteLock } from '../../plugins/devex-backend/src/database/WriteLock';
import { ReportingCalendar } from '../../plugins/devex-backend/src/rollups/days';
import {
  benchDatabase,
  DevexBenchTarget,
  dropBenchDatabases,
  postgresAdmin,
  postgresUrl,
  spawnDevexBackend,
} from './backend';

const FACTS = Number(process.env.BENCH_FACTS ?? 10_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40);
const USERS = 2000;
const TEAMS = 50;
const DAYS = 365;
const PLUGINS = [
  'catalog',
  'scaffolder',
  'platform',
  'techdocs',
  'devex',
  'search',
];
const TEMPLATES = Array.from(
  { length: 5 },
  (_, i) => `template:default/golden-${i}`,
);
const CAPABILITIES = [
  'local:database',
  'local:bucket',
  'local:queue',
  'kubernetes:postgres',
  'kubernetes:redis',
  'kubernetes:kafka',
  'crossplane:s3',
  'crossplane:rds',
];

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

let seed = 12345;
function rnd() {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
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

async function seedFacts(db: Knex, calendar: ReportingCalendar) {
  const now = Date.now();
  const start = now - DAYS * 86_400_000;
  const rows: Record<string, unknown>[] = [];
  const received = new Date().toISOString();
  const flush = async () => {
    if (rows.length === 0) return;
    await db.batchInsert('devex_facts', rows.splice(0), 60);
  };
  let task = 0;
  const started = Date.now();
  for (let i = 0; i < FACTS; i++) {
    const user = Math.floor(rnd() * rnd() * USERS); // some users far more active
    const time = new Date(
      start + rnd() * (now - start - 3_600_000),
    ).toISOString();
    const r = rnd();
    const base = {
      source_id: `bench:${i}`,
      time,
      day: calendar.dayOf(time),
      actor: `user:default/u${user}`,
      teams: JSON.stringify([team(user)]),
      entity_ref: null,
      template_ref: null,
      capability_ref: null,
      subject: null as string | null,
      value: null as number | null,
      received_at: received,
    };
    if (r < 0.8) {
      const plugin = PLUGINS[Math.floor(rnd() * PLUGINS.length)];
      rows.push({
        ...base,
        source: 'analytics',
        kind: 'activity',
        attributes: JSON.stringify({
          plugin,
          action: 'navigate',
          subject: `/${plugin}`,
        }),
      });
    } else if (r < 0.88) {
      const s = rnd();
      const status = s < 0.8 ? 'completed' : s < 0.95 ? 'failed' : 'cancelled';
      // One run in 20 is a recovered task: its earlier failure is superseded.
      const subject =
        rnd() < 0.05 && task > 0
          ? `bench:task/${task - 1}`
          : `bench:task/${task++}`;
      rows.push({
        ...base,
        source: 'scaffolder',
        kind: 'golden-path.run',
        template_ref: TEMPLATES[Math.floor(rnd() * TEMPLATES.length)],
        subject,
        value: Math.round(30 + rnd() * rnd() * 1200),
        attributes: JSON.stringify({
          status,
          ...(status === 'completed' ? { timeSavedSeconds: 7200 } : {}),
          ...(status === 'failed'
            ? {
                failedStep: `step-${Math.floor(rnd() * 4)}`,
                failureMessage: `error ${Math.floor(rnd() * 6)}`,
              }
            : {}),
        }),
      });
    } else {
      const k = rnd();
      const kind =
        k < 0.35
          ? 'platform.requested'
          : k < 0.65
          ? 'platform.picked-up'
          : k < 0.93
          ? 'platform.ready'
          : k < 0.995
          ? 'platform.failed'
          : 'platform.rollout.finished';
      rows.push({
        ...base,
        source: 'platform',
        kind,
        capability_ref: CAPABILITIES[Math.floor(rnd() * CAPABILITIES.length)],
        value:
          kind === 'platform.picked-up'
            ? Math.round(rnd() * 30)
            : kind === 'platform.ready'
            ? Math.round(20 + rnd() * 600)
            : null,
        attributes: JSON.stringify(
          kind === 'platform.failed'
            ? { message: `failure ${Math.floor(rnd() * 5)}` }
            : kind === 'platform.rollout.finished'
            ? { status: rnd() < 0.9 ? 'completed' : 'failed' }
            : {},
        ),
      });
    }
    if (rows.length >= 6000) await flush();
    if (i > 0 && i % 1_000_000 === 0) {
      console.log(
        `  ${i} facts inserted (${((Date.now() - started) / 1000).toFixed(
          0,
        )} s)`,
      );
    }
  }
  await flush();
}

async function main() {
  const database = benchDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devex-bench-dashboard-'));
  const target: DevexBenchTarget = {
    database,
    dir,
    logFile: path.join(dir, 'backend.log'),
  };
  if (database === 'postgres')
    target.pgPrefix = `devex_bench_${process.pid}_${randomBytes(3).toString(
      'hex',
    )}_`;
  try {
    if (database === 'postgres') {
      await postgresAdmin(admin =>
        admin.raw(`CREATE DATABASE "${target.pgPrefix}devex"`),
      );
    }
    const db = pluginDb(target);
    await connectDevexDatabase({
      getClient: async () => db,
    } as unknown as DatabaseService);
    const calendar = new ReportingCalendar('UTC');
    const directory = new DirectoryStore(db);
    const users = Array.from({ length: USERS }, (_, u) => `user:default/u${u}`);
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
        memberships: users.map((ref, u) => [ref, team(u)] as [string, string]),
      },
      new Date(Date.now() - (DAYS + 1) * 86_400_000),
    );
    let t0 = Date.now();
    console.log(
      `[${database}] seeding ${FACTS} facts, ${USERS} users, ${TEAMS} teams, ${DAYS} days`,
    );
    await seedFacts(db, calendar);
    console.log(
      `[${database}] facts inserted in ${((Date.now() - t0) / 1000).toFixed(
        0,
      )} s; rebuilding rollups`,
    );
    t0 = Date.now();
    const store = new FactStore(db, directory, calendar, new WriteLock());
    const rebuilt = await store.rebuild();
    const count = async (table: string) =>
      Number((await db(table).count({ n: '*' }))[0].n);
    console.log(
      `[${database}] rebuild counted ${rebuilt.facts} facts in ${(
        (Date.now() - t0) /
        1000
      ).toFixed(0)} s; rollup rows: daily ${await count(
        'devex_rollup_daily',
      )}, histogram ${await count(
        'devex_rollup_histogram',
      )}, active ${await count('devex_rollup_active')}`,
    );
    await db.raw('ANALYZE');
    await db.destroy();

    if (process.env.BENCH_SEED_ONLY) return;
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
      for (const [name, url] of questions) {
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
            .padStart(7)} ms  (${REQUESTS} requests)`,
        );
      }
    } finally {
      await backend.stop();
    }
  } finally {
    if (process.env.BENCH_KEEP) {
      console.log(`kept ${dir}`);
    } else {
      fs.rmSync(dir, { recursive: true, force: true });
      if (target.pgPrefix) await dropBenchDatabases(target.pgPrefix);
    }
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
