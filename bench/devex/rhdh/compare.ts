/*
 * Trellis DevEx vs RHDH Adoption Insights, on the same machine, the same
 * PostgreSQL, in the same run. Run bench/devex/rhdh/setup.sh first.
 *
 * 1. Ingestion: the same stream of portal events (navigate, plus a "Create"
 *    click and a golden-path outcome per template run) from WORKERS clients
 *    in batches of BATCH for SECONDS seconds, over HTTP as the signed-in
 *    guest user, to each backend in turn on fresh databases: Trellis
 *    `POST /api/devex/analytics`, RHDH `POST /api/adoption-insights/events`.
 *    Acknowledged events per second, and for RHDH (which answers 200 before
 *    anything is stored: events wait in an in-memory queue) the rows in its
 *    table once the queue has drained. Then kill -9 halfway through a run
 *    of each: acknowledged vs stored.
 * 2. Questions, on the 10 M-fact Trellis data set that dashboard.ts keeps
 *    (devexbench_10000000_) and an RHDH events table filled with the same
 *    stream (its rows as its insertEvents writes them; bulk inserted):
 *    active users over 90 and 365 days, and template usage. p50 / p95 of
 *    each, 20 requests after 3 warm-up ones.
 *
 *   BENCH_PHASE=ingest|questions|all node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs bench/devex/rhdh/compare.ts
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import {
  DevexBenchTarget,
  dropBenchDatabases,
  postgresAdmin,
  postgresUrl,
  SERVICE_TOKEN,
  spawnDevexBackend,
} from '../backend';
import { factsOfDay } from '../bulkLoad';

const RHDH_DIR = process.env.RHDH_DIR ?? '/tmp/devexbench-rhdh';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20);
const FACTS = Number(process.env.BENCH_FACTS ?? 10_000_000);
const PORTS = (process.env.BENCH_PORTS ?? '7143,7144').split(',').map(Number);
/** RHDH's queue settings: flush up to this many events every interval. */
const RHDH_BUFFER = Number(process.env.RHDH_BUFFER ?? 500);
const RHDH_FLUSH_MS = Number(process.env.RHDH_FLUSH_MS ?? 200);
const PLUGINS = ['catalog', 'scaffolder', 'platform', 'techdocs', 'devex'];

function percentile(values: number[], q: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

const load = () => os.loadavg()[0].toFixed(1);

interface Rhdh {
  baseUrl: string;
  token: string;
  child: ChildProcess;
  prefix: string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

async function startRhdh(prefix: string, port: number): Promise<Rhdh> {
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = {
    app: {
      baseUrl,
      analytics: {
        adoptionInsights: {
          maxBufferSize: RHDH_BUFFER,
          flushInterval: RHDH_FLUSH_MS,
          licensedUsers: 2000,
        },
      },
    },
    backend: {
      baseUrl,
      listen: { host: '127.0.0.1', port },
      database: { client: 'pg', connection: postgresUrl(), prefix },
    },
    auth: {
      environment: 'development',
      providers: {
        guest: {
          dangerouslyAllowOutsideDevelopment: true,
          userEntityRef: 'user:default/bench',
        },
      },
    },
    permission: { enabled: false },
  };
  const log = fs.openSync(path.join(os.tmpdir(), `${prefix}backend.log`), 'a');
  const child = spawn(process.execPath, ['index.js'], {
    cwd: RHDH_DIR,
    env: { ...process.env, RHDH_BENCH_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('The RHDH backend exited');
    try {
      // Its /health sits behind the plugin's own user check: up once both
      // it answers and guest sign-in works.
      const res = await fetch(`${baseUrl}/api/adoption-insights/health`);
      const auth = await fetch(`${baseUrl}/api/auth/guest/refresh`);
      if (res.status < 500 && auth.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('The RHDH backend did not start within 180 s');
    }
    await new Promise(r => setTimeout(r, 250));
  }
  const refresh = await fetch(`${baseUrl}/api/auth/guest/refresh`);
  const body = (await refresh.json()) as {
    backstageIdentity: { token: string };
  };
  return {
    baseUrl,
    token: body.backstageIdentity.token,
    child,
    prefix,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function rhdhDb(prefix: string): Knex {
  return knexFactory({
    client: 'pg',
    connection: `${postgresUrl()}/${prefix}adoption-insights`,
    pool: { min: 0, max: 2 },
  });
}

/** One portal event, in the shape each backend takes. */
interface PortalEvent {
  id: string;
  time: string;
  action: string;
  subject: string;
  plugin: string;
  templateRef?: string;
}

function trellisEvent(e: PortalEvent) {
  return {
    id: e.id,
    time: e.time,
    action: e.action,
    subject: e.subject,
    plugin: e.plugin,
    ...(e.templateRef ? { attributes: { templateRef: e.templateRef } } : {}),
  };
}

/** RHDH's analytics module's payload (its EventSchema): user in context. */
function rhdhEvent(e: PortalEvent, user: string) {
  return {
    action: e.action,
    subject: e.subject,
    context: {
      userId: user,
      userName: user,
      pluginId: e.plugin,
      timestamp: e.time,
      extension: 'App',
      routeRef: 'unknown',
      ...(e.templateRef ? { entityRef: e.templateRef } : {}),
    },
    attributes: { eventId: e.id },
  };
}

interface Run {
  acknowledged: Set<string>;
  latencies: number[];
  errors: number;
  firstError?: string;
}

async function send(
  target: 'trellis' | 'rhdh',
  baseUrl: string,
  token: string,
  until: () => boolean,
): Promise<Run> {
  const run: Run = { acknowledged: new Set(), latencies: [], errors: 0 };
  // Ids unique to this run, so that a later run's events are never taken
  // for re-deliveries of an earlier one's.
  const runId = Math.random().toString(36).slice(2, 8);
  let sequence = 0;
  const worker = async (w: number) => {
    while (!until()) {
      const events: PortalEvent[] = Array.from({ length: BATCH }, () => {
        const n = sequence++;
        const plugin = PLUGINS[n % PLUGINS.length];
        const create = n % 25 === 0;
        return {
          id: `${runId}-w${w}-${n}`,
          time: new Date(Date.now() - (n % 3600) * 1000).toISOString(),
          action: create ? 'click' : 'navigate',
          subject: create ? 'Create' : `/${plugin}/page-${n % 40}`,
          plugin: create ? 'scaffolder' : plugin,
          ...(create
            ? { templateRef: `template:default/golden-${n % 5}` }
            : {}),
        };
      });
      const started = performance.now();
      try {
        const res = await fetch(
          target === 'trellis'
            ? `${baseUrl}/api/devex/analytics`
            : `${baseUrl}/api/adoption-insights/events`,
          {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              Authorization: `Bearer ${token}`,
            },
            body: JSON.stringify(
              target === 'trellis'
                ? { events: events.map(trellisEvent) }
                : events.map(e => rhdhEvent(e, 'user:default/bench')),
            ),
          },
        );
        if (res.ok) {
          await res.json();
          for (const e of events) run.acknowledged.add(e.id);
          run.latencies.push(performance.now() - started);
        } else {
          run.errors++;
          run.firstError ??= `${res.status} ${await res.text()}`;
        }
      } catch (error) {
        run.errors++;
        run.firstError ??= String(error);
        await new Promise(r => setTimeout(r, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  return run;
}

async function rhdhStored(prefix: string): Promise<Set<string>> {
  const db = rhdhDb(prefix);
  try {
    const rows: { id: string }[] = await db('events').select(
      db.raw(`attributes->>'eventId' AS id`),
    );
    return new Set(rows.map(r => r.id));
  } finally {
    await db.destroy();
  }
}

async function trellisStored(baseUrl: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const res = await fetch(
      `${baseUrl}/api/devex/facts?kind=activity&limit=1000${
        after ? `&after=${after}` : ''
      }`,
      { headers: { Authorization: `Bearer ${SERVICE_TOKEN}` } },
    );
    if (!res.ok) throw new Error(`export: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as {
      items: { sourceId: string }[];
      nextCursor?: string;
    };
    for (const f of page.items)
      ids.add(f.sourceId.slice(f.sourceId.lastIndexOf(':') + 1));
    if (!page.nextCursor) return ids;
    after = page.nextCursor;
  }
}

function report(name: string, run: Run, seconds: number) {
  console.log(
    `[${name}] ${
      run.acknowledged.size
    } events acknowledged in ${seconds.toFixed(0)} s = ${(
      run.acknowledged.size / seconds
    ).toFixed(0)} events/s; batch p50 ${percentile(run.latencies, 0.5).toFixed(
      1,
    )} ms, p95 ${percentile(run.latencies, 0.95).toFixed(1)} ms; errors ${
      run.errors
    }${
      run.firstError ? ` (${run.firstError.slice(0, 120)})` : ''
    }; load ${load()}`,
  );
}

async function ingest() {
  const stamp = `${process.pid}`;
  // Trellis
  const trellisTarget: DevexBenchTarget = {
    database: 'postgres',
    dir: fs.mkdtempSync(path.join(os.tmpdir(), 'devexbench-cmp-')),
    logFile: path.join(os.tmpdir(), `devexbench_cmp_${stamp}.log`),
    pgPrefix: `devexbench_cmp_${stamp}_`,
  };
  process.env.BENCH_PORT = String(PORTS[0]);
  let trellis = await spawnDevexBackend(trellisTarget);
  const rhdhPrefix = `devexbench_rhdh_${stamp}_`;
  let rhdh: Rhdh | undefined;
  try {
    let started = Date.now();
    const trellisRun = await send(
      'trellis',
      trellis.baseUrl,
      trellis.userToken,
      () => Date.now() - started >= SECONDS * 1000,
    );
    report('trellis', trellisRun, (Date.now() - started) / 1000);
    const trellisRate = trellisRun.acknowledged.size / SECONDS;

    // RHDH
    rhdh = await startRhdh(rhdhPrefix, PORTS[1]);
    started = Date.now();
    const rhdhRun = await send(
      'rhdh',
      rhdh.baseUrl,
      rhdh.token,
      () => Date.now() - started >= SECONDS * 1000,
    );
    const sent = (Date.now() - started) / 1000;
    report('rhdh', rhdhRun, sent);
    // Its 200 means "queued": wait until the queue has drained into the table.
    let storedNow = 0;
    for (let last = -1; storedNow !== last; ) {
      last = storedNow;
      await new Promise(r => setTimeout(r, 3000));
      storedNow = (await rhdhStored(rhdhPrefix)).size;
      if ((Date.now() - started) / 1000 > SECONDS * 4) break;
    }
    const drained = (Date.now() - started) / 1000 - 3;
    console.log(
      `[rhdh] ${storedNow} of ${
        rhdhRun.acknowledged.size
      } acknowledged events in its table ${drained.toFixed(
        0,
      )} s after the start = ${(storedNow / drained).toFixed(
        0,
      )} events/s stored (queue: ${RHDH_BUFFER} events per ${RHDH_FLUSH_MS} ms)`,
    );
    console.log(
      `[ratio] ingestion Trellis / RHDH: ${(
        trellisRate /
        (rhdhRun.acknowledged.size / sent)
      ).toFixed(2)} acknowledged, ${(
        trellisRate /
        (storedNow / drained)
      ).toFixed(2)} stored`,
    );

    // kill -9 halfway, each
    for (const name of ['trellis', 'rhdh'] as const) {
      let killed = false;
      started = Date.now();
      const running =
        name === 'trellis'
          ? send('trellis', trellis.baseUrl, trellis.userToken, () => killed)
          : send('rhdh', rhdh!.baseUrl, rhdh!.token, () => killed);
      const before =
        name === 'trellis'
          ? await trellisStored(trellis.baseUrl)
          : await rhdhStored(rhdhPrefix);
      await new Promise(r => setTimeout(r, (SECONDS / 2) * 1000));
      if (name === 'trellis') await trellis.kill9();
      else await rhdh!.kill9();
      killed = true;
      const run = await running;
      let ids: Set<string>;
      if (name === 'trellis') {
        trellis = await spawnDevexBackend(trellisTarget);
        ids = await trellisStored(trellis.baseUrl);
      } else {
        rhdh = await startRhdh(rhdhPrefix, PORTS[1]);
        ids = await rhdhStored(rhdhPrefix);
      }
      let missing = 0;
      for (const id of run.acknowledged) if (!ids.has(id)) missing++;
      console.log(
        `[${name}] kill -9 after ${((Date.now() - started) / 1000).toFixed(
          0,
        )} s: ${run.acknowledged.size} acknowledged, ${
          ids.size - before.size
        } stored, ${missing} acknowledged but lost`,
      );
    }
  } finally {
    await trellis.stop();
    await rhdh?.stop();
  }
  await dropBenchDatabases(trellisTarget.pgPrefix!);
  await dropBenchDatabases(rhdhPrefix);
  fs.rmSync(trellisTarget.dir, { recursive: true, force: true });
}

/** Fills RHDH's events table with the stream bulkLoad gave Trellis. */
async function loadRhdh(prefix: string) {
  const db = rhdhDb(prefix);
  try {
    const [{ n }] = await db('events').count({ n: '*' });
    if (Number(n) > 0 && !process.env.BENCH_FRESH) {
      console.log(`[rhdh] reusing ${n} events (${prefix})`);
      return;
    }
    await db('events').delete();
    const { createPartition } = require(path.join(
      RHDH_DIR,
      'node_modules/@red-hat-developer-hub/backstage-plugin-adoption-insights-backend/dist/database/partition.cjs.js',
    ));
    const days = 365;
    const today = new Date().toISOString().slice(0, 10);
    const start = Date.parse(`${today}T00:00:00Z`) - days * 86_400_000;
    for (let m = 0; m <= 13; m++) {
      const d = new Date(start);
      d.setUTCMonth(d.getUTCMonth() + m);
      await createPartition(db, d.getUTCFullYear(), d.getUTCMonth() + 1);
    }
    // Its GIN indexes are built once at the end rather than row by row.
    await db.raw('DROP INDEX IF EXISTS idx_events_attributes');
    await db.raw('DROP INDEX IF EXISTS idx_events_context');
    const connection = (await db.client.acquireConnection()) as {
      query(sql: string, values: unknown[]): Promise<unknown>;
    };
    const org = {
      users: 2000,
      days,
      team: (u: number) =>
        u < 1980
          ? `group:default/team-${u % 40}`
          : `group:default/small-${u % 10}`,
    };
    const perDay = Math.ceil(FACTS / days);
    const next = { id: 1, task: 0 };
    const t0 = Date.now();
    let rows = 0;
    for (let d = 0, loaded = 0; d < days && loaded < FACTS; d++) {
      const day = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
      const facts = factsOfDay(
        org,
        day,
        Math.min(perDay, FACTS - loaded),
        next,
      );
      loaded += facts.length;
      const events = facts.flatMap(f => {
        if (f.kind === 'activity') {
          const plugin = String(f.attributes.plugin);
          return [[`navigate`, `/${plugin}`, plugin, f.actor!, f.time, null]];
        }
        // RHDH counts a template's use as a click on "Create".
        if (f.kind === 'golden-path.run')
          return [
            ['click', 'Create', 'scaffolder', f.actor!, f.time, f.templateRef!],
          ];
        return [];
      });
      for (let i = 0; i < events.length; i += 5000) {
        const chunk = events.slice(i, i + 5000);
        await connection.query(
          `INSERT INTO events (action, subject, plugin_id, user_ref, attributes, context, created_at)
           SELECT a, s, p, u, '{}'::jsonb,
             jsonb_build_object('userId', u, 'userName', u, 'pluginId', p, 'timestamp', t)
               || CASE WHEN e IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('entityRef', e) END,
             t::timestamptz
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(a, s, p, u, t, e)`,
          [0, 1, 2, 3, 4, 5].map(c => chunk.map(row => row[c])),
        );
      }
      rows += events.length;
      if (d % 60 === 0)
        console.log(
          `[rhdh]  ${rows} events loaded, day ${d + 1} (${(
            (Date.now() - t0) /
            1000
          ).toFixed(0)} s)`,
        );
    }
    await db.client.releaseConnection(connection);
    await db.raw(
      'CREATE INDEX idx_events_attributes ON events USING gin (attributes)',
    );
    await db.raw(
      'CREATE INDEX idx_events_context ON events USING gin (context)',
    );
    await db.raw('ANALYZE events');
    console.log(
      `[rhdh] ${rows} events loaded in ${((Date.now() - t0) / 1000).toFixed(
        0,
      )} s`,
    );
  } finally {
    await db.destroy();
  }
}

async function timeQuestion(name: string, url: string, token: string) {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS + 3; i++) {
    const t = performance.now();
    const res = await fetch(url, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`${name}: ${res.status} ${await res.text()}`);
    await res.text();
    if (i >= 3) times.push(performance.now() - t);
  }
  const p95 = percentile(times, 0.95);
  console.log(
    `${name.padEnd(44)} p50 ${percentile(times, 0.5)
      .toFixed(1)
      .padStart(8)} ms  p95 ${p95.toFixed(1).padStart(8)} ms  load ${load()}`,
  );
  return p95;
}

async function questions() {
  const rhdhPrefix = `devexbench_rhdh${FACTS}_`;
  // Migrations and the current month's partition come from RHDH itself.
  let rhdh = await startRhdh(rhdhPrefix, PORTS[1]);
  await rhdh.stop();
  await loadRhdh(rhdhPrefix);
  rhdh = await startRhdh(rhdhPrefix, PORTS[1]);
  process.env.BENCH_PORT = String(PORTS[0]);
  const trellis = await spawnDevexBackend({
    database: 'postgres',
    dir: os.tmpdir(),
    logFile: path.join(os.tmpdir(), `devexbench_${FACTS}_backend.log`),
    pgPrefix: `devexbench_${FACTS}_`,
  });
  try {
    const day = (offset: number) =>
      new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
    for (const days of [90, 364]) {
      const from = day(days);
      const to = day(0);
      const rhdhUrl = (q: string) =>
        `${rhdh.baseUrl}/api/adoption-insights/events?start_date=${from}&end_date=${to}&timezone=UTC&${q}`;
      const t1 = await timeQuestion(
        `[trellis] active users (adoption tab), ${
          days + (days === 364 ? 1 : 0)
        } d`,
        `${trellis.baseUrl}/api/devex/metrics/adoption?from=${from}&to=${to}`,
        trellis.userToken,
      );
      const r1a = await timeQuestion(
        `[rhdh] active users daily, ${days} d`,
        rhdhUrl('type=active_users&grouping=daily'),
        rhdh.token,
      );
      const r1b = await timeQuestion(
        `[rhdh] total users, ${days} d`,
        rhdhUrl('type=total_users'),
        rhdh.token,
      );
      const t2 = await timeQuestion(
        `[trellis] template usage (golden paths tab), ${days} d`,
        `${trellis.baseUrl}/api/devex/metrics/golden-paths?from=${from}&to=${to}`,
        trellis.userToken,
      );
      const r2 = await timeQuestion(
        `[rhdh] top templates, ${days} d`,
        rhdhUrl('type=top_templates&limit=5'),
        rhdh.token,
      );
      console.log(
        `[ratio] ${days} d p95 RHDH / Trellis: active users ${(
          (r1a + r1b) /
          t1
        ).toFixed(1)} (its two requests vs our one tab), template usage ${(
          r2 / t2
        ).toFixed(1)}`,
      );
    }
  } finally {
    await trellis.stop();
    await rhdh.stop();
  }
}

async function main() {
  const phase = process.env.BENCH_PHASE ?? 'all';
  if (!fs.existsSync(path.join(RHDH_DIR, 'node_modules'))) {
    throw new Error(`Run bench/devex/rhdh/setup.sh first (${RHDH_DIR})`);
  }
  await postgresAdmin(async () => undefined);
  if (phase !== 'questions') await ingest();
  if (phase !== 'ingest') await questions();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
