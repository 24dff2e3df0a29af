/*
 * The webhook bench's load: WORKERS clients posting signed deliveries to the
 * events HTTP ingress, what was acknowledged and how fast, and the line that
 * describes a run.
 */
import { createHmac } from 'node:crypto';
import { cpuSeconds, DevexBenchTarget, postgresAdmin } from './backend';
import { Delivery, nextDelivery, SECRET, WORKERS } from './webhookData';

function percentile(values: number[], q: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

export interface LoadResult {
  acknowledged: Delivery[];
  latencies: number[];
  errors: { count: number; first?: string };
  seconds: number;
  cpu: number;
  /** PostgreSQL: the CPU of the server processes serving the run's databases. */
  databaseCpu?: number;
}

/**
 * The CPU seconds so far of each PostgreSQL server process serving the
 * backend's connections to the target's databases (the server runs on this
 * machine: its processes' /proc). Autovacuum workers come and go and are not
 * counted. Undefined on SQLite, which runs inside the backend.
 */
async function databaseCpu(
  t: DevexBenchTarget,
): Promise<Map<number, number> | undefined> {
  const prefix = t.pgPrefix;
  if (!prefix) return undefined;
  const { rows } = await postgresAdmin(db =>
    db.raw(
      `SELECT pid FROM pg_stat_activity
        WHERE starts_with(datname, ?) AND backend_type = 'client backend'`,
      [prefix],
    ),
  );
  return new Map(
    (rows as { pid: number }[]).map(({ pid }) => [pid, cpuSeconds(pid)]),
  );
}

/**
 * The server CPU used between two readings: a process that started between
 * counts from zero, one that ended between is missed (the backend's pool
 * keeps its connections while it is busy).
 */
function databaseCpuBetween(
  before: Map<number, number> | undefined,
  after: Map<number, number> | undefined,
) {
  if (!before || !after) return undefined;
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

/**
 * WORKERS clients send signed deliveries until `until()` says stop; with a
 * PostgreSQL `target`, the server's CPU is measured too.
 */
export async function load(
  backend: { baseUrl: string; child: { pid?: number } },
  kind: 'delivery' | 'ingress',
  until: (elapsedMs: number) => boolean,
  target?: DevexBenchTarget,
): Promise<LoadResult> {
  const result: LoadResult = {
    acknowledged: [],
    latencies: [],
    errors: { count: 0 },
    seconds: 0,
    cpu: 0,
  };
  const databaseBefore = target && (await databaseCpu(target));
  const started = Date.now();
  const cpuBefore = cpuSeconds(backend.child.pid);
  const worker = async () => {
    while (!until(Date.now() - started)) {
      const delivery = nextDelivery(kind);
      const signature = `sha256=${createHmac('sha256', SECRET)
        .update(delivery.body)
        .digest('hex')}`;
      const t0 = performance.now();
      try {
        const res = await fetch(`${backend.baseUrl}/api/events/http/github`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-GitHub-Event': delivery.event,
            'X-GitHub-Delivery': delivery.id,
            'X-Hub-Signature-256': signature,
          },
          body: delivery.body,
        });
        await res.arrayBuffer();
        if (res.ok) {
          result.acknowledged.push(delivery);
          result.latencies.push(performance.now() - t0);
        } else {
          result.errors.count++;
          result.errors.first ??= `${res.status}`;
        }
      } catch (error) {
        result.errors.count++;
        result.errors.first ??= String(error);
        // The backend is down (crash phase): back off a little.
        await new Promise(r => setTimeout(r, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, () => worker()));
  result.seconds = (Date.now() - started) / 1000;
  result.cpu = cpuSeconds(backend.child.pid) - cpuBefore;
  result.databaseCpu = databaseCpuBetween(
    databaseBefore,
    target && (await databaseCpu(target)),
  );
  return result;
}

export function describe(label: string, r: LoadResult) {
  const n = r.acknowledged.length;
  return (
    `${label}: ${n} acknowledged in ${r.seconds.toFixed(0)} s = ${(
      n / r.seconds
    ).toFixed(0)} deliveries/s; latency p50 ${percentile(
      r.latencies,
      0.5,
    ).toFixed(1)} ms, p95 ${percentile(r.latencies, 0.95).toFixed(
      1,
    )} ms, max ${Math.max(...r.latencies).toFixed(0)} ms; backend ${(
      (r.cpu * 1000) /
      n
    ).toFixed(2)} ms CPU per delivery${
      r.databaseCpu === undefined
        ? ''
        : `, PostgreSQL ${((r.databaseCpu * 1000) / n).toFixed(2)} ms`
    }; ` +
    `errors ${r.errors.count}${r.errors.first ? ` (${r.errors.first})` : ''}`
  );
}

/**
 * A page asked for every 100 ms while `run` goes on, one at a time: the
 * longest answer is the longest the backend kept a request waiting (on
 * SQLite, a synchronous stretch of the event loop). Beside it, every 15 s,
 * the delivery report (as the Delivery tab asks for it), which first
 * catches devex's delivery index up on the facts stored so far (it waits
 * for that up to catchUpBudgetMs by design).
 */
export async function probe<T>(
  backend: { baseUrl: string; userToken: string },
  run: () => Promise<T>,
): Promise<{
  value: T;
  longestMs: number;
  asked: number;
  reports: number;
  longestReportMs: number;
}> {
  let done = false;
  let longestMs = 0;
  let asked = 0;
  let reports = 0;
  let longestReportMs = 0;
  let failed: string | undefined;
  const day = (ago: number) =>
    new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
  const pause = (ms: number) => new Promise(r => setTimeout(r, ms));
  const pages = (async () => {
    while (!done) {
      const t0 = performance.now();
      try {
        await (
          await fetch(`${backend.baseUrl}/api/devex/health`)
        ).arrayBuffer();
      } catch {
        // Counted by its wait all the same.
      }
      longestMs = Math.max(longestMs, performance.now() - t0);
      asked++;
      await pause(100);
    }
  })();
  const report = (async () => {
    for (;;) {
      for (let waited = 0; waited < 15_000 && !done; waited += 100)
        await pause(100);
      if (done) return;
      const t0 = performance.now();
      try {
        const res = await fetch(
          `${backend.baseUrl}/api/devex/metrics/delivery?from=${day(
            6,
          )}&to=${day(0)}`,
          { headers: { Authorization: `Bearer ${backend.userToken}` } },
        );
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`delivery report: ${res.status}`);
      } catch (error) {
        failed ??= String(error);
      }
      longestReportMs = Math.max(longestReportMs, performance.now() - t0);
      reports++;
    }
  })();
  const value = await run();
  done = true;
  await Promise.all([pages, report]);
  if (failed) throw new Error(failed);
  return { value, longestMs, asked, reports, longestReportMs };
}
