/*
 * A real Trellis backend for the DevEx benchmarks, in a child process (so the
 * load generator does not share its event loop): `createBackend()` with the
 * devex plugin (no sources: the benchmark is the source), the auth backend
 * with guest sign-in (requests carry a real user token), the permission
 * backend with Trellis's policy, and a static service token for `/facts`.
 * The catalog is not installed: the benchmarks fill the directory themselves.
 *
 * The database (a SQLite directory or a PostgreSQL prefix) is the caller's,
 * so a run can kill the child with SIGKILL and start it again on the same
 * data.
 */
import { createBackend } from '@backstage/backend-defaults';
import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import authPlugin from '@backstage/plugin-auth-backend';
import guestProviderModule from '@backstage/plugin-auth-backend-module-guest-provider';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { devexPlugin } from '@trellis/backstage-plugin-devex-backend';
import knexFactory from 'knex';
import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import inspector from 'node:inspector';
import net from 'node:net';
import * as winston from 'winston';
import { permissionModuleTrellisPolicy } from '../../packages/backend/src/permissions/module';

export const BENCH_USER = 'user:default/bench';
export const SERVICE_TOKEN = 'devex-bench-service-token-0123456789';

export type BenchDatabase = 'sqlite' | 'postgres';

export interface DevexBenchTarget {
  database: BenchDatabase;
  /** SQLite: the directory of the plugin files. */
  dir: string;
  /** PostgreSQL: the database name prefix. */
  pgPrefix?: string;
  logFile: string;
  /**
   * Webhook benchmarks: the catalog (read from this file), the events backend
   * with its GitHub module (deliveries signed with `secret`) and the devex
   * delivery module.
   */
  delivery?: { catalogFile: string; secret: string };
}

export function benchDatabase(): BenchDatabase {
  const value = (process.env.BENCH_DATABASE ?? 'sqlite').toLowerCase();
  return value.startsWith('p') ? 'postgres' : 'sqlite';
}

export function postgresUrl(): string {
  return (
    process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
    'postgresql://postgres@127.0.0.1:5432'
  );
}

export function backendConfig(target: DevexBenchTarget, port: number) {
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app: { baseUrl },
    backend: {
      baseUrl,
      listen: { host: '127.0.0.1', port },
      database:
        target.database === 'postgres'
          ? {
              client: 'pg',
              connection: postgresUrl(),
              prefix: target.pgPrefix,
            }
          : { client: 'better-sqlite3', connection: { directory: target.dir } },
      auth: {
        externalAccess: [
          {
            type: 'static',
            options: { token: SERVICE_TOKEN, subject: 'bench' },
          },
        ],
      },
    },
    auth: {
      environment: 'development',
      providers: {
        guest: {
          dangerouslyAllowOutsideDevelopment: true,
          userEntityRef: BENCH_USER,
        },
      },
    },
    permission: { enabled: true },
    devex: {
      demo: { enabled: false },
      maxRangeDays: 400,
      directory: { intervalMinutes: 1440 },
    },
    ...(target.delivery
      ? {
          catalog: {
            rules: [{ allow: ['Component', 'User', 'Group'] }],
            locations: [{ type: 'file', target: target.delivery.catalogFile }],
          },
          events: {
            // BENCH_EVENT_BUS=never: events stay in the receiving process
            // (Backstage's default, auto, also posts each one to the events
            // backend's bus over HTTP).
            ...(process.env.BENCH_EVENT_BUS
              ? { useEventBus: process.env.BENCH_EVENT_BUS }
              : {}),
            http: { topics: ['github'] },
            modules: { github: { webhookSecret: target.delivery.secret } },
          },
        }
      : {}),
  };
}

/** Runs SQL on the PostgreSQL server (no database). */
export async function postgresAdmin<T>(
  fn: (db: ReturnType<typeof knexFactory>) => Promise<T>,
) {
  const db = knexFactory({
    client: 'pg',
    connection: `${postgresUrl()}/postgres`,
    pool: { min: 0, max: 1 },
  });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** Drops the databases of a benchmark run (one per plugin). */
export async function dropBenchDatabases(prefix: string) {
  await postgresAdmin(async db => {
    const { rows } = await db.raw(
      'SELECT datname FROM pg_database WHERE starts_with(datname, ?)',
      [prefix],
    );
    for (const { datname } of rows as { datname: string }[]) {
      await db.raw(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()',
        [datname],
      );
      await db.raw(`DROP DATABASE IF EXISTS "${datname}"`);
    }
  });
}

/** BENCH_PORT when set (the ports a session was given), else any free one. */
export async function freePort(): Promise<number> {
  if (process.env.BENCH_PORT) return Number(process.env.BENCH_PORT);
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface DevexBenchBackend {
  baseUrl: string;
  child: ChildProcess;
  /** The guest user's token. */
  userToken: string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the backend in a child process and waits until it answers. */
export async function spawnDevexBackend(
  target: DevexBenchTarget,
): Promise<DevexBenchBackend> {
  const port = await freePort();
  const child = fork(__filename, [], {
    execArgv: process.execArgv,
    env: {
      ...process.env,
      DEVEX_BENCH_CHILD: JSON.stringify({ target, port }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('The bench backend exited');
    try {
      const res = await fetch(`${baseUrl}/api/devex/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('The bench backend did not start within 180 s');
    }
    await new Promise(r => setTimeout(r, 250));
  }
  const refresh = await fetch(`${baseUrl}/api/auth/guest/refresh`);
  const body = (await refresh.json()) as {
    backstageIdentity: { token: string };
  };
  return {
    baseUrl,
    child,
    userToken: body.backstageIdentity.token,
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

async function runChild(target: DevexBenchTarget, port: number) {
  const backend = createBackend();
  backend.add(
    createServiceFactory({
      service: coreServices.rootConfig,
      deps: {},
      factory: () =>
        new ConfigReader(backendConfig(target, port) as any, 'devex-bench'),
    }),
  );
  backend.add(
    createServiceFactory({
      service: coreServices.rootLogger,
      deps: {},
      factory: () =>
        WinstonLogger.create({
          meta: { service: 'backstage' },
          level: 'info',
          format: winston.format.combine(
            winston.format.timestamp(),
            winston.format.json(),
          ),
          transports: [
            new winston.transports.Stream({
              stream: fs.createWriteStream(target.logFile, { flags: 'a' }),
            }),
            new winston.transports.Console({
              level: 'error',
              stderrLevels: ['error'],
            }),
          ],
        }),
    }),
  );
  backend.add(authPlugin);
  backend.add(guestProviderModule);
  backend.add(permissionPlugin);
  backend.add(permissionModuleTrellisPolicy);
  backend.add(devexPlugin);
  if (target.delivery) {
    backend.add(import('@backstage/plugin-catalog-backend'));
    backend.add(import('@backstage/plugin-events-backend'));
    backend.add(import('@backstage/plugin-events-backend-module-github'));
    backend.add(
      import('@trellis/backstage-plugin-devex-backend-module-delivery'),
    );
  }
  await backend.start();
  const profile = await startProfile();
  process.on('SIGTERM', () => {
    profile()
      .then(() => backend.stop())
      .finally(() => process.exit(0));
  });
}

/**
 * BENCH_CPU_PROFILE=<file>: the backend's CPU profile from start to SIGTERM
 * (open it in Chrome's DevTools); the returned function writes it.
 */
async function startProfile(): Promise<() => Promise<void>> {
  const file = process.env.BENCH_CPU_PROFILE;
  if (!file) return async () => {};
  const session = new inspector.Session();
  session.connect();
  const post = (method: string) =>
    new Promise<any>((resolve, reject) =>
      session.post(method, (error, result) =>
        error ? reject(error) : resolve(result),
      ),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = await post('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
  };
}

if (process.env.DEVEX_BENCH_CHILD && require.main === module) {
  const { target, port } = JSON.parse(process.env.DEVEX_BENCH_CHILD);
  runChild(target, port).catch(error => {
    console.error(error);
    process.exit(1);
  });
}

/**
 * The ids (the part after the last `:` of the sourceId) of the activity
 * facts a backend has stored, read through its admin export a page at a time.
 */
export async function storedActivityIds(baseUrl: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const res = await fetch(
      `${baseUrl}/api/devex/facts?kind=activity&limit=1000${
        after ? `&after=${after}` : ''
      }`,
      { headers: { Authorization: `Bearer ${SERVICE_TOKEN}` } },
    );
    if (!res.ok)
      throw new Error(`export failed: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as {
      items: { sourceId: string }[];
      nextCursor?: string;
    };
    for (const f of page.items)
      ids.add(f.sourceId.slice(f.sourceId.lastIndexOf(':') + 1));
    if (!page.nextCursor) return ids;
    after = page.nextCursor;
  }
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
export function cpuSeconds(pid: number | undefined): number {
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
