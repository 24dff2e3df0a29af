// One replica: a real packages/backend process, its config, and its
// readiness watched while it starts and stops.

import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CAPABILITY,
  findings,
  log,
  OWNER,
  PG_URL,
  requireFromRoot as require,
  root,
  RUN,
  sleep,
  START_TIMEOUT_MS,
} from './common.mjs';

export class Replica {
  /** `temp`: the run's folder, for the replica's config, state and logs. */
  constructor(name, port, temp) {
    this.name = name;
    this.temp = temp;
    this.port = port;
    this.url = `http://localhost:${port}`;
    this.child = undefined;
    this.inService = false; // readiness 200 seen last
    this.token = undefined;
    this.starts = 0;
  }

  async writeConfig() {
    this.dir = join(this.temp, this.name);
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
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.configFile, JSON.stringify(config, null, 2));
  }

  /** Starts the process and watches readiness until it says 200. */
  async start() {
    this.starts += 1;
    const out = createWriteStream(
      join(this.temp, `${this.name}-${this.starts}.log`),
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

export async function getJson(replica, path) {
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
