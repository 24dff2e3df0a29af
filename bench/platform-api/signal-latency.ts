/*
 * Engine change → signal latency: the time from an engine pushing a change
 * (`InMemoryEngine.report`, which calls the platform's watch listener like a
 * Kubernetes watch event would) to the platform calling the signals service's
 * `publish` for that resource's channel. In between: the observer records
 * the observation in one transaction (read, conditional update, phase-changed
 * event, read back) and builds the signal.
 *
 * The backend runs in this process, because the engine and the signals
 * service must be reachable; no HTTP load runs during the measurement. The
 * signals service is the default one (events bus → signals backend) with a
 * tap that timestamps each call; signals are forwarded, not dropped, and the
 * time until forwarding finished is printed too.
 *
 * Two measurements: sequential changes (one at a time, round-robin over the
 * resources), and bursts (one change for every resource at once, as after a
 * watch reconnect), where later changes queue behind earlier ones.
 *
 * Settings (environment): BENCH_DATABASE=sqlite|postgres,
 * BENCH_SIGNAL_RESOURCES (default 50), BENCH_CHANGES (default 500),
 * BENCH_BURSTS (default 5).
 */
import { resourceSignalChannel } from '@trellis/backstage-plugin-platform-common';
import {
  BENCH_ENGINE_ID,
  BENCH_USER_TEAMS,
  BenchBackend,
  describeRun,
  SignalTap,
  startBenchBackend,
} from './backend';
import { startTimeLimit } from './resources';
import { intSetting, ms, printTable, sleep, summarize } from './stats';

const RESOURCES = intSetting('BENCH_SIGNAL_RESOURCES', 50, 1, 500);
const CHANGES = intSetting('BENCH_CHANGES', 500, 10, 5_000);
const BURSTS = intSetting('BENCH_BURSTS', 5, 0, 50);
const WARMUP = 20;
/** A change whose signal takes longer than this counts as missed. */
const MISS_MS = 5_000;

interface Published {
  calledAt: number;
  settledAt: number;
}

const waiting = new Map<string, (published: Published) => void>();
const tap: SignalTap = (signal, calledAt, settledAt) => {
  const resolve = waiting.get(signal.channel);
  if (resolve) {
    waiting.delete(signal.channel);
    resolve({ calledAt, settledAt });
  }
};

/** Resolves when the resource's signal is published, undefined on a miss. */
function nextSignal(resourceId: string): Promise<Published | undefined> {
  const channel = resourceSignalChannel(resourceId);
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      waiting.delete(channel);
      resolve(undefined);
    }, MISS_MS);
    waiting.set(channel, published => {
      clearTimeout(timer);
      resolve(published);
    });
  });
}

let changeNumber = 0;
/** Pushes a change that the platform must record and publish. */
function change(backend: BenchBackend, resourceId: string) {
  const n = changeNumber++;
  backend.engine.report(resourceId, {
    phase: n % 2 === 0 ? 'Degraded' : 'Ready',
    message: `benchmark change ${n}`,
  });
}

async function createResources(backend: BenchBackend): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < RESOURCES; i++) {
    const response = await fetch(`${backend.apiUrl}/resources`, {
      method: 'POST',
      headers: { ...backend.headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        capabilityRef: `${BENCH_ENGINE_ID}:database`,
        name: `signal-${i}`,
        environment: 'dev',
        owner: BENCH_USER_TEAMS[i % BENCH_USER_TEAMS.length],
        component: `component:default/signal-svc-${i % 10}`,
        spec: { size: 'small' },
      }),
    });
    if (response.status !== 201) {
      throw new Error(`Create answered ${response.status}`);
    }
    ids.push(((await response.json()) as { id: string }).id);
  }
  // The engine reconciles instantly; wait until every resource is Ready.
  for (let attempt = 0; attempt < 300; attempt++) {
    if (ids.every(id => backend.engine.instances.get(id)?.phase === 'Ready')) {
      const response = await fetch(
        `${backend.apiUrl}/resources?phase=Ready&limit=1`,
        { headers: backend.headers },
      );
      const { totalCount } = (await response.json()) as {
        totalCount: number;
      };
      if (totalCount === ids.length) return ids;
    }
    await sleep(100);
  }
  throw new Error('The resources did not become Ready');
}

async function main() {
  let backend: BenchBackend | undefined;
  startTimeLimit(600, () => backend?.abort());
  backend = await startBenchBackend({ signalTap: tap });
  try {
    console.log('Platform API: engine change → signal published');
    console.log(describeRun(backend));
    const ids = await createResources(backend);
    console.log(
      `${RESOURCES} resources; ${CHANGES} sequential changes after ${WARMUP} unmeasured ones; ${BURSTS} bursts of ${RESOURCES} changes at once.\n`,
    );

    const sequential = { called: [] as number[], settled: [] as number[] };
    let missed = 0;
    for (let i = 0; i < WARMUP + CHANGES; i++) {
      const id = ids[i % ids.length];
      const signal = nextSignal(id);
      const start = performance.now();
      change(backend, id);
      const published = await signal;
      if (i < WARMUP) continue;
      if (!published) {
        missed++;
        continue;
      }
      sequential.called.push(published.calledAt - start);
      sequential.settled.push(published.settledAt - start);
    }

    const burst = { called: [] as number[], settled: [] as number[] };
    const burstTotals: number[] = [];
    for (let round = 0; round < BURSTS; round++) {
      const signals = ids.map(id => nextSignal(id));
      const start = performance.now();
      for (const id of ids) change(backend, id);
      const published = await Promise.all(signals);
      for (const p of published) {
        if (!p) {
          missed++;
          continue;
        }
        burst.called.push(p.calledAt - start);
        burst.settled.push(p.settledAt - start);
      }
      burstTotals.push(
        Math.max(...published.map(p => (p ? p.settledAt - start : 0))),
      );
      await sleep(200);
    }

    const row = (label: string, samples: number[]) => {
      const s = summarize(samples);
      return [
        label,
        String(s.count),
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
        ms(s.max),
      ];
    };
    const rows = [
      row('sequential: change → publish called', sequential.called),
      row('sequential: change → publish returned', sequential.settled),
    ];
    if (BURSTS > 0) {
      rows.push(
        row(`burst of ${RESOURCES}: change → publish called`, burst.called),
        row(`burst of ${RESOURCES}: change → publish returned`, burst.settled),
      );
    }
    printTable(
      ['measurement', 'changes', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      rows,
    );
    if (BURSTS > 0) {
      console.log(
        `\nEach burst of ${RESOURCES} changes was fully published after: ${burstTotals
          .map(total => `${ms(total)} ms`)
          .join(', ')}.`,
      );
    }
    console.log(`Changes without a signal within ${MISS_MS} ms: ${missed}.`);
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
