/*
 * The RHDH Adoption Insights backend that setup.sh installs, started beside
 * Trellis on the same PostgreSQL: its process, guest token and database.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { postgresUrl } from '../backend';

export const RHDH_DIR = process.env.RHDH_DIR ?? '/tmp/devexbench-rhdh';
/** RHDH's queue settings: flush up to this many events every interval. */
export const RHDH_BUFFER = Number(process.env.RHDH_BUFFER ?? 500);
export const RHDH_FLUSH_MS = Number(process.env.RHDH_FLUSH_MS ?? 200);

export interface Rhdh {
  baseUrl: string;
  token: string;
  child: ChildProcess;
  prefix: string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRhdh(prefix: string, port: number): Promise<Rhdh> {
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = {
    app: {
      baseUrl,
      analytics: {
        adoptionInsights: {
          maxBufferSize: RHDH_BUFFER,
          flushInterval: RHDH_FLUSH_MS,
          licensedUsers: 2000,
        },
      },
    },
    backend: {
      baseUrl,
      listen: { host: '127.0.0.1', port },
      database: { client: 'pg', connection: postgresUrl(), prefix },
    },
    auth: {
      environment: 'development',
      providers: {
        guest: {
          dangerouslyAllowOutsideDevelopment: true,
          userEntityRef: 'user:default/bench',
        },
      },
    },
    permission: { enabled: false },
  };
  const log = fs.openSync(path.join(os.tmpdir(), `${prefix}backend.log`), 'a');
  const child = spawn(process.execPath, ['index.js'], {
    cwd: RHDH_DIR,
    env: { ...process.env, RHDH_BENCH_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('The RHDH backend exited');
    try {
      // Its /health sits behind the plugin's own user check: up once both
      // it answers and guest sign-in works.
      const res = await fetch(`${baseUrl}/api/adoption-insights/health`);
      const auth = await fetch(`${baseUrl}/api/auth/guest/refresh`);
      if (res.status < 500 && auth.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('The RHDH backend did not start within 180 s');
    }
    await new Promise(r => setTimeout(r, 250));
  }
  const refresh = await fetch(`${baseUrl}/api/auth/guest/refresh`);
  const body = (await refresh.json()) as {
    backstageIdentity: { token: string };
  };
  return {
    baseUrl,
    token: body.backstageIdentity.token,
    child,
    prefix,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

export function rhdhDb(prefix: string): Knex {
  return knexFactory({
    client: 'pg',
    connection: `${postgresUrl()}/${prefix}adoption-insights`,
    pool: { min: 0, max: 2 },
  });
}
