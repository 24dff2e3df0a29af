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
 * Printed: acknowledged deliveries/s, latency, backend CPU per delivery, and
 * the ratio to the ingress alone.
 *
 * Then **crash**: the same load on a fresh store, the backend killed with
 * SIGKILL halfway, started again on the same database; every acknowledged
 * delivery (a 2xx answer) must come back as a stored raw delivery and as its
 * fact.
 *
 *   BENCH_DATABASE=sqlite|postgres node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs bench/devex/webhooks.ts
 *   BENCH_SECONDS (20 per phase), BENCH_WORKERS (8), BENCH_REPOS (40)
 */
import examples from '@octokit/webhooks-examples';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  benchDatabase,
  DevexBenchBackend,
  DevexBenchTarget,
  dropBenchDatabases,
  SERVICE_TOKEN,
  spawnDevexBackend,
} from './backend';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
const REPOS = Number(process.env.BENCH_REPOS ?? 40);
const SECRET = 'bench-webhook-secret';

function percentile(values: number[], q: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = fs
      .readFileSync(`/proc/${pid}/stat`, 'utf8')
      .split(') ')[1]
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function example(name: string, match: (e: any) => boolean): any {
  const found = examples
    .find(d => d.name === name)
    ?.examples.find(e => match(e));
  if (!found) throw new Error(`no ${name} example`);
  return found;
}
const PULL_REQUEST = JSON.stringify(
  example('pull_request', e => e.action === 'closed'),
);
const DEPLOYMENT_STATUS = JSON.stringify(
  example('deployment_status', () => true),
);

const repoName = (i: number) => `bench-org/service-${i}`;

/** Components claiming the repos and users claiming the logins. */
function writeCatalog(file: string) {
  const docs: string[] = [];
  for (let i = 0; i < REPOS; i++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: service-${i}
  annotations:
    github.com/project-slug: ${repoName(i)}
spec: { type: service, lifecycle: production, owner: group:default/team-${
      i % 4
    } }`);
  }
  for (let i = 0; i < 4; i++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-${i} }
spec: { type: team, children: [] }`);
  }
  for (let i = 0; i < 20; i++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: dev-${i}
  annotations:
    github.com/user-login: dev-${i}
spec: { memberOf: [team-${i % 4}] }`);
  }
  fs.writeFileSync(file, `${docs.join('\n---\n')}\n`);
}

interface Delivery {
  id: string;
  event: string;
  body: string;
  /** The fact it must become: `pr:<repo>#<n>` or `deployment:<repo>#<id>`. */
  fact?: string;
}

let sequence = 0;
function nextDelivery(kind: 'delivery' | 'ingress'): Delivery {
  const n = ++sequence;
  const repo = repoName(n % REPOS);
  const [owner, name] = repo.split('/');
  const at = new Date(Date.now() - (n % 86_400) * 1000).toISOString();
  if (kind === 'ingress' || n % 5 >= 3) {
    const body = JSON.parse(DEPLOYMENT_STATUS);
    body.repository.full_name = repo;
    body.repository.name = name;
    body.repository.owner.login = owner;
    body.deployment.id = n;
    body.deployment.environment = 'production';
    body.deployment.created_at = at;
    body.deployment_status.id = n;
    body.deployment_status.state = 'success';
    body.deployment_status.environment = 'production';
    body.deployment_status.created_at = at;
    body.deployment_status.updated_at = at;
    return {
      id: randomUUID(),
      event: kind === 'ingress' ? 'star' : 'deployment_status',
      body: JSON.stringify(body),
      fact: kind === 'ingress' ? undefined : `deployment:${repo}#${n}`,
    };
  }
  const body = JSON.parse(PULL_REQUEST);
  body.repository.full_name = repo;
  body.repository.name = name;
  body.repository.owner.login = owner;
  body.number = n;
  body.pull_request.number = n;
  body.pull_request.merged = true;
  body.pull_request.merged_at = at;
  body.pull_request.closed_at = at;
  body.pull_request.user.login = `dev-${n % 20}`;
  return {
    id: randomUUID(),
    event: 'pull_request',
    body: JSON.stringify(body),
    fact: `pr:${repo}#${n}`,
  };
}

interface LoadResult {
  acknowledged: Delivery[];
  latencies: number[];
  errors: { count: number; first?: string };
  seconds: number;
  cpu: number;
}

/** WORKERS clients send signed deliveries until `until()` says stop. */
async function load(
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

/** The delivery facts stored, as `pr:<repo>#<n>` / `deployment:<repo>#<id>`. */
async function storedFacts(baseUrl: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const kind of ['delivery.change.merged', 'delivery.deployment']) {
    let after: string | undefined;
    for (;;) {
      const res = await fetch(
        `${baseUrl}/api/devex/facts?kind=${kind}&limit=1000${
          after ? `&after=${after}` : ''
        }`,
        { headers: { Authorization: `Bearer ${SERVICE_TOKEN}` } },
      );
      if (!res.ok) {
        throw new Error(`export failed: ${res.status} ${await res.text()}`);
      }
      const page = (await res.json()) as {
        items: { attributes?: Record<string, unknown> }[];
        nextCursor?: string;
      };
      for (const f of page.items) {
        const a = f.attributes ?? {};
        keys.add(
          kind === 'delivery.deployment'
            ? `deployment:${a.repo}#${a.id}`
            : `pr:${a.repo}#${a.number}`,
        );
      }
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
  }
  return keys;
}

async function deliveryCounts(baseUrl: string) {
  const res = await fetch(`${baseUrl}/api/devex/delivery/connect`, {
    headers: { Authorization: `Bearer ${SERVICE_TOKEN}` },
  });
  if (!res.ok) throw new Error(`connect: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { deliveries: Record<string, number> })
    .deliveries;
}

/** Waits until the catalog has every bench component (the mapping reads it). */
async function catalogReady(backend: DevexBenchBackend) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(
      `${backend.baseUrl}/api/catalog/entities?filter=kind=component&fields=metadata.name`,
      { headers: { Authorization: `Bearer ${backend.userToken}` } },
    );
    if (res.ok && ((await res.json()) as unknown[]).length >= REPOS) return;
    if (Date.now() > deadline) throw new Error('the catalog did not fill');
    await new Promise(r => setTimeout(r, 500));
  }
}

async function target(name: string): Promise<DevexBenchTarget> {
  const database = benchDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `devex-hooks-${name}-`));
  const catalogFile = path.join(dir, 'catalog.yaml');
  writeCatalog(catalogFile);
  return {
    database,
    dir,
    logFile: path.join(dir, 'backend.log'),
    delivery: { catalogFile, secret: SECRET },
    ...(database === 'postgres'
      ? {
          pgPrefix: `devexhooks_${process.pid}_${randomBytes(3).toString(
            'hex',
          )}_`,
        }
      : {}),
  };
}

async function cleanup(t: DevexBenchTarget) {
  fs.rmSync(t.dir, { recursive: true, force: true });
  if (t.pgPrefix) await dropBenchDatabases(t.pgPrefix);
}

function describe(label: string, r: LoadResult) {
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

/** Until every acknowledged delivery's fact is stored, or `ms` passed. */
async function waitForFacts(
  baseUrl: string,
  acknowledged: Delivery[],
  ms: number,
): Promise<{ missing: Delivery[]; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const stored = await storedFacts(baseUrl);
    const missing = acknowledged.filter(d => d.fact && !stored.has(d.fact));
    if (!missing.length || Date.now() - started > ms) {
      return { missing, waitedMs: Date.now() - started };
    }
    await new Promise(r => setTimeout(r, 2000));
  }
}

async function sideBySide() {
  const t = await target('sustained');
  const backend = await spawnDevexBackend(t);
  try {
    await catalogReady(backend);
    // Warm-up: mapping maps loaded, statement caches and JIT warm.
    await load(backend, 'delivery', ms => ms > 3000);
    await load(backend, 'ingress', ms => ms > 3000);
    const results = {
      ingress: [] as LoadResult[],
      delivery: [] as LoadResult[],
    };
    // Interleaved halves, so drift on the machine hits both alike.
    for (let round = 0; round < 2; round++) {
      for (const kind of ['ingress', 'delivery'] as const) {
        results[kind].push(
          await load(backend, kind, ms => ms > (SECONDS * 1000) / 2),
        );
      }
    }
    const merged = (rs: LoadResult[]): LoadResult => ({
      acknowledged: rs.flatMap(r => r.acknowledged),
      latencies: rs.flatMap(r => r.latencies),
      errors: {
        count: rs.reduce((a, r) => a + r.errors.count, 0),
        first: rs.find(r => r.errors.first)?.errors.first,
      },
      seconds: rs.reduce((a, r) => a + r.seconds, 0),
      cpu: rs.reduce((a, r) => a + r.cpu, 0),
    });
    const ingress = merged(results.ingress);
    const delivery = merged(results.delivery);
    const db = t.database;
    console.log(
      `[${db}] ${WORKERS} clients, ${REPOS} repos; load average ${os
        .loadavg()[0]
        .toFixed(1)}`,
    );
    console.log(
      `[${db}] ${describe('ingress only (star, no subscriber)', ingress)}`,
    );
    console.log(
      `[${db}] ${describe('delivery (stored, interpreted, fact)', delivery)}`,
    );
    const rate = (r: LoadResult) => r.acknowledged.length / r.seconds;
    const cpuPer = (r: LoadResult) => r.cpu / r.acknowledged.length;
    console.log(
      `[${db}] ratio delivery / ingress only: throughput ${(
        rate(delivery) / rate(ingress)
      ).toFixed(2)}, CPU per delivery ${(
        cpuPer(delivery) / cpuPer(ingress)
      ).toFixed(2)}`,
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
