/*
 * The webhook bench's load: WORKERS clients posting signed deliveries to the
 * events HTTP ingress, what was acknowledged and how fast, and the line that
 * describes a run.
 */
import { createHmac } from 'node:crypto';
import { cpuSeconds } from './backend';
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
}

/** WORKERS clients send signed deliveries until `until()` says stop. */
export async function load(
  backend: { baseUrl: string; child: { pid?: number } },
  kind: 'delivery' | 'ingress',
  until: (elapsedMs: number) => boolean,
): Promise<LoadResult> {
  const result: LoadResult = {
    acknowledged: [],
    latencies: [],
    errors: { count: 0 },
    seconds: 0,
    cpu: 0,
  };
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
    )} ms; backend ${((r.cpu * 1000) / n).toFixed(2)} ms CPU per delivery; ` +
    `errors ${r.errors.count}${r.errors.first ? ` (${r.errors.first})` : ''}`
  );
}
