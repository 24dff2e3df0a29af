/*
 * Phase 1, ingestion: the same stream of portal events from WORKERS clients
 * to each backend in turn on fresh databases, acknowledged vs stored, then
 * kill -9 halfway through a run of each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DevexBenchTarget,
  dropBenchDatabases,
  spawnDevexBackend,
  storedActivityIds,
} from '../backend';
import {
  BATCH,
  load,
  percentile,
  PLUGINS,
  PORTS,
  SECONDS,
  WORKERS,
} from './common';
import {
  Rhdh,
  RHDH_BUFFER,
  RHDH_FLUSH_MS,
  rhdhDb,
  startRhdh,
} from './rhdhBackend';

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

export async function ingest() {
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
          ? await storedActivityIds(trellis.baseUrl)
          : await rhdhStored(rhdhPrefix);
      await new Promise(r => setTimeout(r, (SECONDS / 2) * 1000));
      if (name === 'trellis') await trellis.kill9();
      else await rhdh!.kill9();
      killed = true;
      const run = await running;
      let ids: Set<string>;
      if (name === 'trellis') {
        trellis = await spawnDevexBackend(trellisTarget);
        ids = await storedActivityIds(trellis.baseUrl);
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
