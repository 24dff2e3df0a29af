/*
 * Phase 2, questions: active users over 90 and 365 days and template usage,
 * on the 10 M-fact Trellis data set and an RHDH events table with the same
 * stream; p50 / p95 of each.
 */
import os from 'node:os';
import path from 'node:path';
import { spawnDevexBackend } from '../backend';
import { FACTS, load, percentile, PORTS, REQUESTS } from './common';
import { startRhdh } from './rhdhBackend';
import { loadRhdh } from './rhdhDataSet';

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

export async function questions() {
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
