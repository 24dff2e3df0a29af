/*
 * Create throughput and latency: autocannon POSTs /api/platform/resources,
 * every request with a unique name, against a real backend in a child
 * process. Each create is validated, permission-checked (through the
 * permission backend), audited, committed with its `requested` event, and
 * then dispatched to the engine, which reports it Ready, which is recorded
 * and published as a signal: all of that shares the backend's event loop and
 * database with the incoming requests.
 *
 * Settings (environment): BENCH_DATABASE=sqlite|postgres, BENCH_AUTH=user|service,
 * BENCH_DURATION (s, default 15, max 120), BENCH_WARMUP (s, default 3),
 * BENCH_CONNECTIONS (default 10, max 100), BENCH_NOOP (1, default: also load
 * the bench plugin's no-op routes for the same time, to compare against),
 * BENCH_CPU_PROF (a directory: write a V8 CPU profile of the backend during
 * the measured create window there; summarize it with profile.ts).
 *
 * CPU per create is the backend process's own CPU time (process.cpuUsage,
 * user + system) over the measured window divided by the creates in it: on a
 * machine shared with other work it varies far less than throughput.
 */
import autocannon from 'autocannon';
import fs from 'node:fs';
import path from 'node:path';
import {
  BENCH_CAPABILITIES,
  BENCH_ENGINE_ID,
  BENCH_USER_TEAMS,
  describeRun,
} from './backend';
import { BenchBackendProcess, spawnBenchBackend } from './backendProcess';
import { startTimeLimit } from './resources';
import { intSetting, ms, printTable, sleep, summarize } from './stats';

const DURATION = intSetting('BENCH_DURATION', 15, 1, 120);
const WARMUP = intSetting('BENCH_WARMUP', 3, 0, 30);
const CONNECTIONS = intSetting('BENCH_CONNECTIONS', 10, 1, 100);
const NOOP = intSetting('BENCH_NOOP', 1, 0, 1) === 1;
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
/** How long to wait for every created resource to become Ready. */
const SETTLE_SECONDS = 120;

const ENVIRONMENTS = ['dev', 'staging', 'production'];
const runId = Date.now().toString(36);
let counter = 0;

function nextBody(): string {
  const n = counter++;
  return JSON.stringify({
    capabilityRef: `${BENCH_ENGINE_ID}:${
      BENCH_CAPABILITIES[n % BENCH_CAPABILITIES.length]
    }`,
    name: `create-${runId}-${n.toString(36)}`,
    environment: ENVIRONMENTS[n % ENVIRONMENTS.length],
    // Teams the benchmark user belongs to: the create is allowed.
    owner: BENCH_USER_TEAMS[n % BENCH_USER_TEAMS.length],
    component: `component:default/create-svc-${n % 500}`,
    spec: { size: 'small' },
  });
}

function createRequest(backend: BenchBackendProcess) {
  return {
    method: 'POST' as const,
    path: '/api/platform/resources',
    headers: { ...backend.headers, 'content-type': 'application/json' },
    setupRequest: (request: any) => ({ ...request, body: nextBody() }),
  };
}

async function load(
  backend: BenchBackendProcess,
  seconds: number,
  request: object = createRequest(backend),
) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const cpuBefore = await backend.cpuMicros();
  const instance = autocannon({
    url: backend.baseUrl,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    requests: [request],
  });
  instance.on(
    'response',
    (_client: unknown, status: number, _bytes: number, time: number) => {
      latencies.push(time);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    },
  );
  const result = await instance;
  const cpuMs = ((await backend.cpuMicros()) - cpuBefore) / 1000;
  return { result, latencies, statuses, cpuMs };
}

/** Loads a bench no-op route (see benchNoopPlugin in backend.ts). */
async function loadRoute(
  backend: BenchBackendProcess,
  route: string,
  seconds: number,
) {
  const request = {
    method: 'GET',
    path: `/api/bench/${route}`,
    headers: backend.headers,
  };
  if (WARMUP > 0) await load(backend, Math.min(WARMUP, 2), request);
  const { latencies, statuses, cpuMs, result } = await load(
    backend,
    seconds,
    request,
  );
  const ok = statuses.get(200) ?? 0;
  const failed = latencies.length - ok + result.errors + result.timeouts;
  return { summary: summarize(latencies), ok, failed, cpuMs };
}

async function unsettled(backend: BenchBackendProcess): Promise<number> {
  const response = await fetch(
    `${backend.apiUrl}/resources?phase=Pending&phase=Provisioning&limit=1`,
    { headers: backend.headers },
  );
  if (!response.ok) throw new Error(`List failed: ${response.status}`);
  return ((await response.json()) as { totalCount: number }).totalCount;
}

async function main() {
  let backend: BenchBackendProcess | undefined;
  startTimeLimit(DURATION + WARMUP + SETTLE_SECONDS + 180, () =>
    backend?.abort(),
  );
  backend = await spawnBenchBackend();
  try {
    console.log('Platform API: create (POST /api/platform/resources)');
    console.log(describeRun(backend));
    console.log(
      `${CONNECTIONS} connections, ${DURATION} s measured after a ${WARMUP} s warm-up\n`,
    );
    if (WARMUP > 0) await load(backend, WARMUP);
    const before = counter;
    if (PROFILE_DIR) await backend.startProfile();
    await backend.sqlStats();
    const cpuAtStart = await backend.cpuMicros();
    const { result, latencies, statuses, cpuMs } = await load(
      backend,
      DURATION,
    );
    if (PROFILE_DIR) {
      fs.mkdirSync(PROFILE_DIR, { recursive: true });
      const file = path.resolve(PROFILE_DIR, `create-${runId}.cpuprofile`);
      await backend.stopProfile(file);
      console.log(`CPU profile of the measured window: ${file}`);
    }
    const sql = await backend.sqlStats();
    const summary = summarize(latencies);
    const created = statuses.get(201) ?? 0;
    const failed = latencies.length - created + result.errors + result.timeouts;
    const cpuPerCreate = created ? cpuMs / created : NaN;
    printTable(
      [
        'requests',
        'created/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'errors',
        'CPU ms/create',
      ],
      [
        [
          String(counter - before),
          (created / DURATION).toFixed(0),
          ms(summary.p50),
          ms(summary.p95),
          ms(summary.p99),
          ms(summary.max),
          String(failed),
          ms(cpuPerCreate),
        ],
      ],
    );
    const other = [...statuses].filter(([status]) => status !== 201);
    if (other.length || result.errors || result.timeouts) {
      console.log(
        `responses other than 201: ${
          other.map(([s, n]) => `${s} x${n}`).join(', ') || 'none'
        }; connection errors ${result.errors}, timeouts ${result.timeouts}`,
      );
    }

    // The engine work each create starts (dispatch, observation, signal)
    // runs after the 201; report how long the backend takes to catch up.
    const settleStart = performance.now();
    let left = await unsettled(backend);
    while (
      left > 0 &&
      performance.now() - settleStart < SETTLE_SECONDS * 1000
    ) {
      await sleep(100);
      left = await unsettled(backend);
    }
    console.log(
      left === 0
        ? `\nEvery created resource was Ready ${(
            (performance.now() - settleStart) /
            1000
          ).toFixed(1)} s after the load stopped.`
        : `\n${left} resources were still not Ready ${SETTLE_SECONDS} s after the load stopped.`,
    );
    // The engine work a create starts runs partly after the window: CPU
    // from the window's start until every resource settled (the polling
    // lists included, a few ms).
    const settledCpuMs = ((await backend.cpuMicros()) - cpuAtStart) / 1000;
    console.log(
      `Backend CPU per create: ${ms(cpuPerCreate)} ms during the load, ${ms(
        created ? settledCpuMs / created : NaN,
      )} ms until every resource was Ready.`,
    );

    // What the database did per create (the dispatch and observation that
    // ran in the window included).
    const statements = Object.entries(sql).sort((a, b) => b[1].ms - a[1].ms);
    const perCreate = (n: number) => (created ? n / created : NaN);
    console.log(
      `\nSQL per create: ${perCreate(
        statements.reduce((n, [, s]) => n + s.count, 0),
      ).toFixed(1)} statements, ${ms(
        perCreate(statements.reduce((n, [, s]) => n + s.ms, 0)),
      )} ms from knex's query to its response (waiting for the connection included). Top statements:\n`,
    );
    printTable(
      ['statement', 'per create', 'ms per create'],
      statements
        .slice(0, 12)
        .map(([text, s]) => [
          text.length > 90 ? `${text.slice(0, 87)}...` : text,
          perCreate(s.count).toFixed(2),
          ms(perCreate(s.ms)),
        ]),
    );

    if (NOOP) {
      // The floor on the same backend in the same run: routes that only
      // authenticate (and check one permission), same connections and time.
      console.log(
        `\nThe same load on the bench plugin's no-op routes (authenticated; see backend.ts):\n`,
      );
      const rows: string[][] = [
        [
          'POST /api/platform/resources',
          (created / DURATION).toFixed(0),
          ms(summary.p50),
          ms(summary.p95),
          ms(cpuPerCreate),
          '1.0',
        ],
      ];
      for (const route of ['noop', 'authorize']) {
        const noop = await loadRoute(backend, route, DURATION);
        const cpu = noop.ok ? noop.cpuMs / noop.ok : NaN;
        rows.push([
          `GET /api/bench/${route}${
            noop.failed ? ` (${noop.failed} errors)` : ''
          }`,
          (noop.ok / DURATION).toFixed(0),
          ms(noop.summary.p50),
          ms(noop.summary.p95),
          ms(cpu),
          (cpuPerCreate / cpu).toFixed(1),
        ]);
      }
      printTable(
        [
          'route',
          'requests/s',
          'p50 ms',
          'p95 ms',
          'CPU ms/request',
          'create CPU ÷ this',
        ],
        rows,
      );
    }
  } finally {
    await backend.stop();
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
