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
 * BENCH_CONNECTIONS (default 10, max 100).
 */
import autocannon from 'autocannon';
import {
  BENCH_CAPABILITIES,
  BENCH_ENGINE_ID,
  BENCH_USER_TEAMS,
  BenchBackendProcess,
  describeRun,
  spawnBenchBackend,
  startTimeLimit,
} from './backend';
import { intSetting, ms, printTable, sleep, summarize } from './stats';

const DURATION = intSetting('BENCH_DURATION', 15, 1, 120);
const WARMUP = intSetting('BENCH_WARMUP', 3, 0, 30);
const CONNECTIONS = intSetting('BENCH_CONNECTIONS', 10, 1, 100);
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

async function load(backend: BenchBackendProcess, seconds: number) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const instance = autocannon({
    url: backend.baseUrl,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/api/platform/resources',
        headers: { ...backend.headers, 'content-type': 'application/json' },
        setupRequest: request => ({ ...request, body: nextBody() }),
      },
    ],
  });
  instance.on(
    'response',
    (_client: unknown, status: number, _bytes: number, time: number) => {
      latencies.push(time);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    },
  );
  const result = await instance;
  return { result, latencies, statuses };
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
    const { result, latencies, statuses } = await load(backend, DURATION);
    const summary = summarize(latencies);
    const created = statuses.get(201) ?? 0;
    const failed = latencies.length - created + result.errors + result.timeouts;
    printTable(
      [
        'requests',
        'created/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'errors',
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
