/*
 * DevEx ingestion over HTTP: browsers' analytics batches to
 * `POST /api/devex/analytics`, as the signed-in user.
 *
 * 1. Sustained: WORKERS concurrent clients send batches of BATCH events for
 *    SECONDS seconds; prints acknowledged events per second and batch
 *    latency.
 * 2. Crash: the same load on a fresh store; the backend is killed with
 *    SIGKILL halfway; it is started again on the same database and every
 *    acknowledged event (a 200 answer) is looked up among the stored facts.
 *
 *   BENCH_DATABASE=sqlite|postgres node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs bench/devex/ingest.ts
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  benchDatabase,
  cpuSeconds,
  DevexBenchTarget,
  dropBenchDatabases,
  spawnDevexBackend,
  storedActivityIds,
} from './backend';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const PLUGINS = ['catalog', 'scaffolder', 'platform', 'techdocs', 'devex'];

function percentile(values: number[], q: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

async function target(name: string): Promise<DevexBenchTarget> {
  const database = benchDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `devex-bench-${name}-`));
  const result: DevexBenchTarget = {
    database,
    dir,
    logFile: path.join(dir, 'backend.log'),
  };
  if (database === 'postgres') {
    result.pgPrefix = `devexbench_${process.pid}_${randomBytes(3).toString(
      'hex',
    )}_`;
  }
  return result;
}

async function cleanup(t: DevexBenchTarget) {
  fs.rmSync(t.dir, { recursive: true, force: true });
  if (t.pgPrefix) await dropBenchDatabases(t.pgPrefix);
}

/** Sends batches until `until()` says stop; records what was acknowledged. */
async function load(options: {
  baseUrl: string;
  token: string;
  until: () => boolean;
  acknowledged: Set<string>;
  latencies: number[];
  errors: { count: number; first?: string };
}) {
  let sequence = 0;
  const worker = async (w: number) => {
    while (!options.until()) {
      const events = Array.from({ length: BATCH }, () => {
        const id = `w${w}-${sequence++}-${randomBytes(4).toString('hex')}`;
        const plugin = PLUGINS[sequence % PLUGINS.length];
        return {
          id,
          time: new Date(
            Date.now() - Math.floor(Math.random() * 86_400_000),
          ).toISOString(),
          action: 'navigate',
          subject: `/${plugin}/page-${sequence % 40}`,
          plugin,
        };
      });
      const started = performance.now();
      try {
        const res = await fetch(`${options.baseUrl}/api/devex/analytics`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Bearer ${options.token}`,
          },
          body: JSON.stringify({ events }),
        });
        if (res.ok) {
          const result = (await res.json()) as {
            accepted: number;
            duplicates: number;
          };
          if (result.accepted + result.duplicates !== events.length) {
            throw new Error(`unexpected answer ${JSON.stringify(result)}`);
          }
          for (const e of events) options.acknowledged.add(e.id);
          options.latencies.push(performance.now() - started);
        } else {
          options.errors.count++;
          options.errors.first ??= `${res.status} ${await res.text()}`;
        }
      } catch (error) {
        options.errors.count++;
        options.errors.first ??= String(error);
        // The backend is down (crash phase): back off a little.
        await new Promise(r => setTimeout(r, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
}

async function sustained() {
  const t = await target('sustained');
  const backend = await spawnDevexBackend(t);
  try {
    const acknowledged = new Set<string>();
    const latencies: number[] = [];
    const errors: { count: number; first?: string } = { count: 0 };
    const started = Date.now();
    const cpuBefore = cpuSeconds(backend.child.pid);
    await load({
      baseUrl: backend.baseUrl,
      token: backend.userToken,
      until: () => Date.now() - started >= SECONDS * 1000,
      acknowledged,
      latencies,
      errors,
    });
    const seconds = (Date.now() - started) / 1000;
    const cpu = cpuSeconds(backend.child.pid) - cpuBefore;
    console.log(
      `[${t.database}] backend CPU ${cpu.toFixed(1)} s for ${
        acknowledged.size
      } events = ${(acknowledged.size / cpu).toFixed(
        0,
      )} events per CPU-second; machine load average ${os
        .loadavg()[0]
        .toFixed(1)}`,
    );
    console.log(
      `[${t.database}] sustained ${seconds.toFixed(
        0,
      )} s, ${WORKERS} clients × ${BATCH} events: ` +
        `${acknowledged.size} events acknowledged = ${(
          acknowledged.size / seconds
        ).toFixed(0)} events/s; ` +
        `batch latency p50 ${percentile(latencies, 0.5).toFixed(
          1,
        )} ms, p95 ${percentile(latencies, 0.95).toFixed(1)} ms; errors ${
          errors.count
        }`,
    );
  } finally {
    await backend.stop();
    await cleanup(t);
  }
}

async function crash() {
  const t = await target('crash');
  let backend = await spawnDevexBackend(t);
  try {
    const acknowledged = new Set<string>();
    const latencies: number[] = [];
    const errors: { count: number; first?: string } = { count: 0 };
    const started = Date.now();
    let killed = false;
    const running = load({
      baseUrl: backend.baseUrl,
      token: backend.userToken,
      until: () => killed,
      acknowledged,
      latencies,
      errors,
    });
    await new Promise(r => setTimeout(r, (SECONDS / 2) * 1000));
    await backend.kill9();
    killed = true;
    await running;
    const seconds = (Date.now() - started) / 1000;
    backend = await spawnDevexBackend(t);
    const ids = await storedActivityIds(backend.baseUrl);
    let missing = 0;
    for (const id of acknowledged) if (!ids.has(id)) missing++;
    console.log(
      `[${t.database}] kill -9 after ${seconds.toFixed(0)} s: ${
        acknowledged.size
      } events acknowledged, ` +
        `${ids.size} stored, ${missing} acknowledged but missing, ` +
        `${
          ids.size - (acknowledged.size - missing)
        } stored without an answer (in flight at the kill)`,
    );
  } finally {
    await backend.stop();
    await cleanup(t);
  }
}

async function main() {
  const limit = setTimeout(() => {
    console.error('Time limit reached');
    process.exit(2);
  }, (SECONDS * 3 + 600) * 1000);
  limit.unref();
  if (process.env.BENCH_PHASE !== 'crash') await sustained();
  if (process.env.BENCH_PHASE !== 'sustained') await crash();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
