#!/usr/bin/env node
// Rolling restart of two real backend replicas on one PostgreSQL, under load.
//
// Starts two packages/backend processes (ports 7181 and 7182) on one freshly
// created set of PostgreSQL databases, each with its own local engine state
// folder, and sends a steady stream of create requests to the replicas that
// are in service (readiness 200), the way a Kubernetes Service routes. While
// requests flow, replica A is stopped with SIGTERM and started again, then B.
// Afterwards every request answered 201 must exist exactly once, reach Ready,
// have one `requested` event, and be held by exactly one engine instance.
// Readiness is checked on the way: 503 until the platform plugin's engines
// are loaded, 200 while serving, 503 again once shutdown begins.
//
// Usage: node scripts/rolling-restart.mjs   (PostgreSQL on 127.0.0.1:5432;
// override with TRELLIS_RR_PG_URL). Prints the counts; exits 1 on any loss,
// double, or readiness finding, 2 when it could not run.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const pg = require('pg');

const PG_URL =
  process.env.TRELLIS_RR_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const RUN = `trellis_rr_${randomBytes(4).toString('hex')}_`;
const CAPABILITY = 'local:bucket';
const OWNER = 'group:default/team-storefront';
const RATE_PER_SECOND = Number(process.env.TRELLIS_RR_RATE ?? 2);
// The whole run, startups included: a few minutes on an idle 2-core
// machine, far more when the machine is busy.
const DEADLINE_MS = 40 * 60_000;
const START_TIMEOUT_MS = 8 * 60_000;
const started = Date.now();

const log = (...args) =>
  console.log(
    `[rolling-restart ${((Date.now() - started) / 1000)
      .toFixed(1)
      .padStart(6)} s]`,
    ...args,
  );
const sleep = ms => new Promise(r => setTimeout(r, ms));

const findings = []; // readiness and shutdown problems, besides losses
let temp;

// ---- one replica: a real packages/backend process

class Replica {
  constructor(name, port) {
    this.name = name;
    this.port = port;
    this.url = `http://localhost:${port}`;
    this.child = undefined;
    this.inService = false; // readiness 200 seen last
    this.token = undefined;
    this.starts = 0;
  }

  async writeConfig() {
    this.dir = join(temp, this.name);
    this.stateDir = join(this.dir, 'local-engine'); // kept across restarts
    this.configFile = join(this.dir, 'app-config.yaml');
    const config = {
      app: { baseUrl: this.url },
      backend: {
        baseUrl: this.url,
        listen: { port: this.port },
        cors: { origin: this.url },
        // A Kubernetes pod keeps serving briefly after readiness turns 503,
        // until its endpoint is removed; this is that window.
        lifecycle: { serverShutdownDelay: '2s' },
        database: {
          client: 'pg',
          connection: PG_URL,
          prefix: RUN,
        },
        reading: { allow: [{ host: `localhost:${this.port}` }] },
      },
      platform: {
        engines: {
          local: {
            stateDir: this.stateDir,
            gitHttp: { enabled: false },
            concurrency: 6,
          },
        },
        dispatch: { intervalSeconds: 1, leaseSeconds: 30 },
        resync: { intervalSeconds: 5 },
        // Only the load's own requests: no demo estate.
        demo: { enabled: false },
      },
      devex: { demo: { enabled: false } },
      // The org only (the guest's team owns what the load requests).
      catalog: {
        locations: [
          {
            type: 'file',
            target: '../../examples/org.yaml',
            rules: [{ allow: ['User', 'Group'] }],
          },
        ],
      },
    };
    // JSON is YAML.
    const { mkdir } = await import('node:fs/promises');
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.configFile, JSON.stringify(config, null, 2));
  }

  /** Starts the process and watches readiness until it says 200. */
  async start() {
    this.starts += 1;
    const out = createWriteStream(
      join(temp, `${this.name}-${this.starts}.log`),
    );
    const backend = join(root, 'packages/backend');
    // What `backstage-cli package start` runs for a backend, without its file
    // watcher (a source edit would restart the process mid-test) and with
    // the signal going to the backend process itself.
    this.child = spawn(
      process.execPath,
      [
        '--enable-source-maps',
        '--require',
        require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
        'src/index.ts',
        '--config',
        '../../app-config.yaml',
        '--config',
        this.configFile,
      ],
      {
        cwd: backend,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          NODE_ENV: 'development',
          ESBK_TSCONFIG_PATH: join(root, 'tsconfig.json'),
        },
      },
    );
    this.child.stdout.pipe(out);
    this.child.stderr.pipe(out);
    this.exited = new Promise(r =>
      this.child.once('exit', (code, signal) => r({ code, signal })),
    );
    const startedAt = Date.now();
    const seen = new Set();
    let firstReady;
    while (Date.now() - startedAt < START_TIMEOUT_MS) {
      const status = await readiness(this);
      if (status !== undefined) seen.add(status);
      if (status === 200) {
        firstReady = Date.now();
        break;
      }
      if (this.child.exitCode !== null) break;
      await sleep(100);
    }
    if (!firstReady) {
      throw new Error(`${this.name} did not become ready; see ${out.path}`);
    }
    // Ready must mean the engines are loaded: the platform answers at once
    // with the local engine and its capabilities.
    this.token = await guestToken(this, startedAt);
    const [health, caps] = await Promise.all([
      getJson(this, '/api/platform/health'),
      getJson(this, '/api/platform/capabilities'),
    ]).catch(error => {
      findings.push(
        `${this.name} start ${this.starts}: the platform did not answer once ready: ${error}`,
      );
      return [{}, {}];
    });
    const bucket = caps.body?.items?.find(c => c.ref === CAPABILITY);
    const engineListed = health.body?.engines?.some(e => e.id === 'local');
    if (!seen.has(503)) {
      findings.push(
        `${this.name} start ${this.starts}: readiness never answered 503 before 200`,
      );
    }
    if (!engineListed || !bucket) {
      findings.push(
        `${this.name} start ${this.starts}: ready, but the platform did not list the local engine (${health.status}) and ${CAPABILITY} (${caps.status})`,
      );
    }
    this.inService = true;
    this.readiness = `503 -> 200 after ${(
      (firstReady - startedAt) /
      1000
    ).toFixed(1)} s; engine and ${CAPABILITY} listed: ${
      engineListed && !!bucket
    }`;
    log(`${this.name} ready (${this.readiness})`);
  }

  /**
   * SIGTERM, and watches readiness until the process is gone: it must say
   * 503 from the start of the shutdown while the server still answers.
   */
  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    this.inService = false;
    const statuses = [];
    this.child.kill('SIGTERM');
    const t0 = Date.now();
    let done = false;
    const exit = this.exited.then(r => {
      done = true;
      return r;
    });
    while (!done && Date.now() - t0 < 90_000) {
      const status = await readiness(this);
      if (status !== undefined && statuses[statuses.length - 1] !== status)
        statuses.push(status);
      await sleep(50);
    }
    if (!done) {
      findings.push(`${this.name} did not exit within 90 s of SIGTERM`);
      this.child.kill('SIGKILL');
    }
    const { code, signal } = await exit;
    const took = ((Date.now() - t0) / 1000).toFixed(1);
    // A probe answered before the signal was handled may still say 200.
    if (statuses.slice(Math.max(0, statuses.indexOf(503))).includes(200)) {
      findings.push(
        `${this.name}: readiness answered 200 after SIGTERM (${statuses.join(
          ' -> ',
        )})`,
      );
    }
    if (!statuses.includes(503)) {
      findings.push(
        `${this.name}: readiness never answered 503 during shutdown (${
          statuses.join(' -> ') || 'no answer'
        })`,
      );
    }
    if (code !== 0)
      findings.push(`${this.name} exited with ${code ?? signal} after SIGTERM`);
    log(
      `${this.name} stopped in ${took} s (exit ${
        code ?? signal
      }; readiness during shutdown: ${statuses.join(' -> ') || 'no answer'})`,
    );
  }
}

async function readiness(replica) {
  try {
    const res = await fetch(`${replica.url}/.backstage/health/v1/readiness`, {
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined; // not listening (yet, or any more)
  }
}

/**
 * A guest token that carries the team's ownership (the catalog has read the
 * org by then; on the first start that takes a few seconds after ready).
 */
async function guestToken(replica, since) {
  let last;
  while (Date.now() - since < START_TIMEOUT_MS) {
    const res = await fetch(`${replica.url}/api/auth/guest/refresh`, {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    });
    const body = await res.json().catch(() => undefined);
    const identity = body?.backstageIdentity;
    last = `${res.status} ${JSON.stringify(
      identity?.identity ?? body?.error?.message,
    )}`;
    if (
      identity?.token &&
      identity.identity?.ownershipEntityRefs?.includes(OWNER)
    ) {
      return identity.token;
    }
    await sleep(1000);
  }
  throw new Error(`${replica.name}: no guest token owning ${OWNER} (${last})`);
}

async function getJson(replica, path) {
  const res = await fetch(`${replica.url}${path}`, {
    headers: { Authorization: `Bearer ${replica.token}` },
    signal: AbortSignal.timeout(60_000), // a busy machine is slow
  });
  let body;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

// ---- the load: create requests, round robin over replicas in service

const accepted = new Map(); // name -> { id, replica }
const outcomes = {}; // "A 201", "B ECONNREFUSED", …
const unconfirmed = new Set(); // sent, no answer: may or may not exist
let sent = 0;

async function sendOne(replicas, seq) {
  const candidates = replicas.filter(r => r.inService);
  if (candidates.length === 0) return;
  const replica = candidates[seq % candidates.length];
  const name = `rr-${seq}`;
  sent += 1;
  let key;
  try {
    const res = await fetch(`${replica.url}/api/platform/resources`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${replica.token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        capabilityRef: CAPABILITY,
        name,
        environment: 'dev',
        owner: OWNER,
        spec: { retentionDays: 7 },
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = await res.json().catch(() => undefined);
    key = `${replica.name} ${res.status}`;
    if (res.status === 201) {
      accepted.set(name, { id: body.id, replica: replica.name });
    } else if (res.status >= 500 || res.status === 429) {
      unconfirmed.add(name);
    } else {
      // A 4xx here is a bug in this script or the API, not a lost request.
      const finding = `${name} to ${replica.name}: ${
        res.status
      } ${JSON.stringify(body?.error?.message ?? body)}`;
      if (findings.length < 3) log(finding);
      findings.push(finding);
    }
  } catch (error) {
    key = `${replica.name} ${error.cause?.code ?? error.name}`;
    unconfirmed.add(name);
  }
  outcomes[key] = (outcomes[key] ?? 0) + 1;
}

function startLoad(replicas) {
  let seq = 0;
  const inflight = new Set();
  const timer = setInterval(() => {
    const p = sendOne(replicas, seq++).finally(() => inflight.delete(p));
    inflight.add(p);
  }, 1000 / RATE_PER_SECOND);
  return async () => {
    clearInterval(timer);
    await Promise.all(inflight);
  };
}

// ---- verification

async function verify(replicas) {
  const db = `${RUN}platform`;
  const platform = new pg.Client({ connectionString: `${PG_URL}/${db}` });
  await platform.connect();
  try {
    const rows = (
      await platform.query(
        `select id, name, phase, engine_instance, dispatch_action from platform_resources where name like 'rr-%'`,
      )
    ).rows;
    const byName = new Map();
    for (const row of rows) {
      byName.set(row.name, [...(byName.get(row.name) ?? []), row]);
    }
    const requested = new Map(
      (
        await platform.query(
          `select resource_id, count(*)::int as n from platform_resource_events where type = 'requested' group by resource_id`,
        )
      ).rows.map(r => [r.resource_id, r.n]),
    );
    // Which engine instance holds each resource on disk.
    const held = new Map();
    const instanceOf = {};
    for (const replica of replicas) {
      instanceOf[replica.name] = (
        await readFile(join(replica.stateDir, 'instance-id'), 'utf8').catch(
          () => '',
        )
      ).trim();
      const ids = await readdir(join(replica.stateDir, 'instances')).catch(
        () => [],
      );
      for (const id of ids)
        held.set(id, [...(held.get(id) ?? []), replica.name]);
    }

    let stored = 0;
    let ready = 0;
    const lost = [];
    const doubled = [];
    const notReady = [];
    for (const [name, { id }] of accepted) {
      const found = byName.get(name) ?? [];
      if (found.length === 0) {
        lost.push(name);
        continue;
      }
      stored += 1;
      const row = found[0];
      const holders = held.get(row.id) ?? [];
      if (
        found.length > 1 ||
        row.id !== id ||
        (requested.get(row.id) ?? 0) !== 1 ||
        holders.length > 1
      ) {
        doubled.push(
          `${name} (rows ${found.length}, requested events ${
            requested.get(row.id) ?? 0
          }, held by ${holders.join('+') || 'none'})`,
        );
      }
      const holder = holders[0];
      if (holder && row.engine_instance !== instanceOf[holder]) {
        doubled.push(
          `${name}: bound to ${row.engine_instance} but held by ${holder} (${instanceOf[holder]})`,
        );
      }
      if (row.phase === 'Ready') ready += 1;
      else
        notReady.push(
          `${name} ${row.phase}${
            row.dispatch_action ? ` (owes ${row.dispatch_action})` : ''
          }`,
        );
    }
    // Requests without an answer may exist (accepted just before a
    // connection dropped), but never twice.
    for (const name of unconfirmed) {
      if ((byName.get(name) ?? []).length > 1)
        doubled.push(`${name} (unconfirmed, ${byName.get(name).length} rows)`);
    }

    // Through the API as well, on the replica that is up.
    const apiReady = new Set();
    let cursor;
    do {
      const page = await getJson(
        replicas[0],
        `/api/platform/resources?text=rr-&limit=100${
          cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
        }`,
      );
      if (page.status !== 200)
        throw new Error(`listing resources: ${page.status}`);
      for (const item of page.body.items) {
        if (item.status?.phase === 'Ready') apiReady.add(item.name);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    const apiMissing = [...accepted.keys()].filter(n => !apiReady.has(n));

    return {
      stored,
      ready,
      lost,
      doubled,
      notReady,
      apiMissing,
      held,
      instanceOf,
    };
  } finally {
    await platform.end();
  }
}

async function waitAllReady(replicas, timeoutMs) {
  const platform = new pg.Client({
    connectionString: `${PG_URL}/${RUN}platform`,
  });
  await platform.connect();
  try {
    const t0 = Date.now();
    let pending;
    let progressAt = Date.now();
    let best = Infinity;
    // Slow is not stuck: wait while resources keep reaching Ready, give up
    // after two minutes without progress (or at timeoutMs).
    while (Date.now() - t0 < timeoutMs && Date.now() - progressAt < 120_000) {
      const { rows } = await platform.query(
        `select name, phase from platform_resources where name like 'rr-%'`,
      );
      const phase = new Map(rows.map(r => [r.name, r.phase]));
      pending = [...accepted.keys()].filter(n => phase.get(n) !== 'Ready');
      if (pending.length === 0) return;
      if (pending.length < best) {
        best = pending.length;
        progressAt = Date.now();
      }
      await sleep(1000);
    }
    log(
      `${pending.length} accepted resources not Ready after ${Math.round(
        (Date.now() - t0) / 1000,
      )} s`,
    );
  } finally {
    await platform.end();
  }
}

// ---- the run

async function dropDatabases() {
  const admin = new pg.Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      `select datname from pg_database where datname like $1`,
      [`${RUN}%`],
    );
    for (const { datname } of rows) {
      await admin.query(`drop database if exists "${datname}" with (force)`);
    }
    return rows.length;
  } finally {
    await admin.end();
  }
}

async function main() {
  const probe = new pg.Client({ connectionString: `${PG_URL}/postgres` });
  try {
    await probe.connect();
    await probe.end();
  } catch (error) {
    console.error(`No PostgreSQL at ${PG_URL}: ${error.message}`);
    process.exit(2);
  }
  temp = await mkdtemp(join(tmpdir(), 'trellis-rolling-restart-'));
  const a = new Replica('A', 7181);
  const b = new Replica('B', 7182);
  const replicas = [a, b];
  activeReplicas = replicas;
  const watchdog = setTimeout(() => {
    console.error(
      `rolling restart: over ${DEADLINE_MS / 60000} minutes, giving up`,
    );
    cleanup(replicas).finally(() => process.exit(2));
  }, DEADLINE_MS);
  let code = 2;
  try {
    log(`databases ${RUN}*, logs and state in ${temp}`);
    await Promise.all(replicas.map(r => r.writeConfig()));
    // A first, so that the two never race to create the same databases.
    await a.start();
    await b.start();

    const stopLoad = startLoad(replicas);
    await sleep(5000);
    log(
      `rolling restart: stopping A (${sent} sent, ${accepted.size} accepted)`,
    );
    await a.stop();
    await sleep(4000);
    log('starting A again (same state folder, so the same engine instance)');
    await a.start();
    await sleep(5000);
    log(`stopping B (${sent} sent, ${accepted.size} accepted)`);
    await b.stop();
    await sleep(4000);
    log('starting B again');
    await b.start();
    await sleep(5000);
    await stopLoad();
    log(
      `load stopped: ${sent} sent, ${accepted.size} accepted; waiting for Ready`,
    );

    await waitAllReady(replicas, 15 * 60_000);
    const result = await verify(replicas);
    const perReplica = { A: 0, B: 0 };
    for (const { replica } of accepted.values()) perReplica[replica] += 1;
    const heldBy = { A: 0, B: 0 };
    for (const holders of result.held.values())
      for (const h of holders) heldBy[h] += 1;

    console.log();
    console.log(
      'Rolling restart on PostgreSQL (two replicas, local engine, capability %s)',
      CAPABILITY,
    );
    console.log(
      `  requests sent          ${sent}  (${Object.entries(outcomes)
        .sort()
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')})`,
    );
    console.log(
      `  accepted (201)         ${accepted.size}  (A ${perReplica.A}, B ${perReplica.B})`,
    );
    console.log(`  unconfirmed (no 201)   ${unconfirmed.size}`);
    console.log(`  stored                 ${result.stored}`);
    console.log(
      `  ready                  ${result.ready}  (API: ${
        accepted.size - result.apiMissing.length
      })`,
    );
    console.log(`  held by engine         A ${heldBy.A}, B ${heldBy.B}`);
    console.log(`  lost                   ${result.lost.length}`);
    console.log(`  doubled                ${result.doubled.length}`);
    for (const replica of replicas)
      console.log(
        `  readiness ${replica.name}            ${replica.readiness}`,
      );
    const show = (label, list) =>
      list.length &&
      console.log(
        `  ${label}: ${list.slice(0, 10).join('; ')}${
          list.length > 10 ? '; …' : ''
        }`,
      );
    show('LOST', result.lost);
    show('DOUBLED', result.doubled);
    show('NOT READY', result.notReady);
    show('NOT READY THROUGH THE API', result.apiMissing);
    show('FINDINGS', findings);
    const ok =
      accepted.size > 0 &&
      result.lost.length === 0 &&
      result.doubled.length === 0 &&
      result.notReady.length === 0 &&
      result.apiMissing.length === 0 &&
      findings.length === 0;
    console.log(ok ? 'rolling restart: passed' : 'rolling restart: FAILED');
    code = ok ? 0 : 1;
  } catch (error) {
    console.error(`rolling restart: could not run: ${error.stack ?? error}`);
    code = 2;
  } finally {
    clearTimeout(watchdog);
    await cleanup(replicas, code === 0);
  }
  process.exit(code);
}

async function cleanup(replicas, removeLogs = true) {
  for (const replica of replicas) {
    if (replica.child && replica.child.exitCode === null) {
      replica.child.kill('SIGTERM');
      const exited = await Promise.race([
        replica.exited,
        sleep(30_000).then(() => false),
      ]);
      if (!exited) replica.child.kill('SIGKILL');
    }
  }
  try {
    const dropped = await dropDatabases();
    log(`dropped ${dropped} databases`);
  } catch (error) {
    console.error(`could not drop the databases ${RUN}*: ${error.message}`);
  }
  if (temp && removeLogs) await rm(temp, { recursive: true, force: true });
  else if (temp) log(`logs kept in ${temp}`);
}

let activeReplicas = [];
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping the replicas`);
    cleanup(activeReplicas).finally(() => process.exit(2));
  });
}

main();
