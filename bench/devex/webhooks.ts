/*
 * DevEx webhook ingestion (issue 12): signed GitHub deliveries through the
 * real events HTTP ingress (`POST /api/events/http/github`, the events
 * backend and its GitHub module checking `X-Hub-Signature-256`), into the
 * delivery module (raw row first, then the fact), on a backend with the
 * catalog the mapping reads.
 *
 * Side by side, in one run on one backend:
 * - **ingress only**: the same signed deliveries under an event type nobody
 *   subscribes to (`x-github-event: star`): what the events backend itself
 *   costs per delivery;
 * - **delivery**: merged pull requests and production deployment statuses,
 *   each stored raw, interpreted and written as a fact.
 * Printed: acknowledged deliveries/s, latency, backend CPU per delivery (and
 * on PostgreSQL the server's, on the same cores), the ratio to the ingress
 * alone, and the deliveries one CPU second takes in all; and the longest
 * wait of a page (`/api/devex/health`) asked for every 100 ms meanwhile: on
 * SQLite, the longest synchronous stretch of the backend's event loop. Beside
 * it, every 15 s, the delivery report, for which devex's delivery index
 * catches up first (as it does once a minute, first 20 s after start).
 *
 * Then **crash**: the same load on a fresh store, the backend killed with
 * SIGKILL halfway, started again on the same database; every acknowledged
 * delivery (a 2xx answer) must come back as a stored raw delivery and as its
 * fact.
 *
 *   BENCH_DATABASE=sqlite|postgres node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs bench/devex/webhooks.ts
 *   BENCH_SECONDS (20 per phase), BENCH_WORKERS (8), BENCH_REPOS (40)
 */
import os from 'node:os';
import { spawnDevexBackend } from './backend';
import { catalogReady, deliveryCounts, waitForFacts } from './webhookChecks';
import { cleanup, REPOS, SECONDS, target, WORKERS } from './webhookData';
import { describe, load, LoadResult, probe } from './webhookLoad';

async function sideBySide() {
  const t = await target('sustained');
  const backend = await spawnDevexBackend(t);
  try {
    await catalogReady(backend);
    // Warm-up: mapping maps loaded, statement caches and JIT warm.
    await load(backend, 'delivery', ms => ms > 3000, t);
    await load(backend, 'ingress', ms => ms > 3000, t);
    const results = {
      ingress: [] as LoadResult[],
      delivery: [] as LoadResult[],
    };
    // Interleaved halves, so drift on the machine hits both alike; a page
    // asked for meanwhile says how long the backend kept requests waiting.
    const waited = await probe(backend, async () => {
      for (let round = 0; round < 2; round++) {
        for (const kind of ['ingress', 'delivery'] as const) {
          results[kind].push(
            await load(backend, kind, ms => ms > (SECONDS * 1000) / 2, t),
          );
        }
      }
    });
    const merged = (rs: LoadResult[]): LoadResult => ({
      acknowledged: rs.flatMap(r => r.acknowledged),
      latencies: rs.flatMap(r => r.latencies),
      errors: {
        count: rs.reduce((a, r) => a + r.errors.count, 0),
        first: rs.find(r => r.errors.first)?.errors.first,
      },
      seconds: rs.reduce((a, r) => a + r.seconds, 0),
      cpu: rs.reduce((a, r) => a + r.cpu, 0),
      databaseCpu: rs.every(r => r.databaseCpu !== undefined)
        ? rs.reduce((a, r) => a + r.databaseCpu!, 0)
        : undefined,
    });
    const ingress = merged(results.ingress);
    const delivery = merged(results.delivery);
    const db = t.database;
    // Each half by itself: a half that ran long had the backend busy with
    // something else (on SQLite, devex's delivery index catching up every
    // minute blocks the event loop), and its CPU per delivery says how much.
    for (const kind of ['ingress', 'delivery'] as const) {
      results[kind].forEach((r, i) =>
        console.log(`[${db}]   ${describe(`${kind} half ${i + 1}`, r)}`),
      );
    }
    console.log(
      `[${db}] ${WORKERS} clients, ${REPOS} repos; load average ${os
        .loadavg()[0]
        .toFixed(
          1,
        )}; longest wait of a page asked for every 100 ms meanwhile: ${waited.longestMs.toFixed(
        0,
      )} ms (${waited.asked} asked); ${
        waited.reports
      } delivery reports, the longest ${waited.longestReportMs.toFixed(0)} ms`,
    );
    console.log(
      `[${db}] ${describe('ingress only (star, no subscriber)', ingress)}`,
    );
    console.log(
      `[${db}] ${describe('delivery (stored, interpreted, fact)', delivery)}`,
    );
    const rate = (r: LoadResult) => r.acknowledged.length / r.seconds;
    // With PostgreSQL's server CPU: it runs on the same cores.
    const cpuPer = (r: LoadResult) =>
      (r.cpu + (r.databaseCpu ?? 0)) / r.acknowledged.length;
    console.log(
      `[${db}] ratio delivery / ingress only: throughput ${(
        rate(delivery) / rate(ingress)
      ).toFixed(2)}, CPU per delivery ${(
        cpuPer(delivery) / cpuPer(ingress)
      ).toFixed(2)}; delivery ${(cpuPer(delivery) * 1000).toFixed(
        2,
      )} ms CPU in all = ${(1 / cpuPer(delivery)).toFixed(
        0,
      )} deliveries per CPU second`,
    );
    const facts = await waitForFacts(
      backend.baseUrl,
      delivery.acknowledged,
      30_000,
    );
    console.log(
      `[${db}] facts for acknowledged deliveries: ${
        delivery.acknowledged.length - facts.missing.length
      }/${delivery.acknowledged.length} (${facts.waitedMs} ms after the load)`,
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
    await catalogReady(backend);
    let killed = false;
    const killer = (async () => {
      await new Promise(r => setTimeout(r, (SECONDS * 1000) / 2));
      await backend.kill9();
      killed = true;
    })();
    const before = await load(backend, 'delivery', () => killed);
    await killer;
    const db = t.database;
    console.log(
      `[${db}] crash: ${before.acknowledged.length} deliveries acknowledged before SIGKILL (${before.errors.count} refused or cut off)`,
    );
    backend = await spawnDevexBackend(t);
    // Pending deliveries are interpreted by a task every minute, for those
    // older than a minute: allow three.
    const facts = await waitForFacts(
      backend.baseUrl,
      before.acknowledged,
      180_000,
    );
    const counts = await deliveryCounts(backend.baseUrl);
    const stored = Object.values(counts).reduce((a, n) => a + n, 0);
    console.log(
      `[${db}] after restart: raw deliveries stored ${stored} (${JSON.stringify(
        counts,
      )}) for ${before.acknowledged.length} acknowledged; facts missing ${
        facts.missing.length
      } after ${(facts.waitedMs / 1000).toFixed(0)} s${
        facts.missing.length
          ? ` (first: ${facts.missing[0].id} ${facts.missing[0].fact})`
          : ''
      }`,
    );
  } finally {
    await backend.stop();
    await cleanup(t);
  }
}

async function main() {
  if (process.env.BENCH_PHASE !== 'crash') await sideBySide();
  if (process.env.BENCH_PHASE !== 'sustained') await crash();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
