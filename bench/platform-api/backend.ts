/*
 * A real Trellis backend for the platform API benchmarks.
 *
 * `createBackend()` from @backstage/backend-defaults with the platform plugin,
 * the permission backend with the policy Trellis ships, the auth backend (guest
 * sign-in, so that requests carry a real user token and every permission check
 * goes through the permission backend), the signals backend, and an
 * InMemoryEngine that reconciles instantly, so that the figures are the
 * platform's own cost, not an engine's.
 *
 * Two ways to run it:
 * - `startBenchBackend()` (this file): in this process, for benchmarks that need the
 *   engine object (signal latency). No HTTP load generator may share it.
 * - `spawnBenchBackend()` (backendProcess.ts): in a child process, for HTTP load (create, list),
 *   so that the load generator does not compete with the server for one
 *   event loop. The child answers a few commands over IPC (seeding, and
 *   SQL for experiments).
 *
 * Traffic stays on 127.0.0.1. Temporary files and PostgreSQL databases are
 * removed when the run ends, on Ctrl-C, and (databases of killed runs) by the
 * next run.
 */
import { createBackend } from '@backstage/backend-defaults';
import {
  coreServices,
  createServiceFactory,
  DatabaseService,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import authPlugin from '@backstage/plugin-auth-backend';
import guestProviderModule from '@backstage/plugin-auth-backend-module-guest-provider';
import permissionPlugin from '@backstage/plugin-permission-backend';
import signalsPlugin from '@backstage/plugin-signals-backend';
import { Knex } from 'knex';
import platformPlugin from '@trellis/backstage-plugin-platform-backend';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import { permissionModuleTrellisPolicy } from '../../packages/backend/src/permissions/module';
import {
  BENCH_CAPABILITIES,
  BENCH_ENGINE_ID,
  benchAuth,
  benchConfig,
  benchEngineModule,
  benchMcp,
  benchNoopPlugin,
  decisionCacheSeconds,
  rootLoggerFactory,
  SignalTap,
  signalsFactory,
} from './backendConfig';
import {
  BenchDatabase,
  BenchResources,
  cleanupResources,
  cleanupResourcesSync,
  prepareResources,
} from './resources';

export {
  BENCH_CAPABILITIES,
  BENCH_ENGINE_ID,
  BENCH_TEAMS,
  BENCH_USER,
  BENCH_USER_TEAMS,
} from './backendConfig';
export type { SignalTap } from './backendConfig';

/** What a running benchmark backend offers its benchmark. */
export interface BenchBackendInfo {
  database: BenchDatabase;
  baseUrl: string;
  /** `<baseUrl>/api/platform` */
  apiUrl: string;
  /** Headers of the benchmark's caller (see BENCH_AUTH). */
  headers: Record<string, string>;
  /** `user` (signed-in user token, the default) or `service` (static token). */
  auth: 'user' | 'service';
  /**
   * SQLite: the platform file's journal mode during the run (`wal`, as
   * Trellis sets it; `delete` with BENCH_SQLITE_JOURNAL=delete).
   */
  sqliteJournal?: string;
  /** The platform's permission decision cache, seconds (0: off). */
  decisionCacheSeconds: number;
  logFile: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

async function signInToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  if (!response.ok) {
    throw new Error(
      `Guest sign-in failed: ${response.status} ${await response.text()}`,
    );
  }
  const body = (await response.json()) as {
    backstageIdentity?: { token?: string };
  };
  const token = body.backstageIdentity?.token;
  if (!token) throw new Error('Guest sign-in returned no token');
  return token;
}

export interface BenchBackend extends BenchBackendInfo {
  engine: InMemoryEngine;
  /** The platform plugin's database client (after start, migrations done). */
  knex(): Promise<Knex>;
  stop(): Promise<void>;
  /** Synchronous last-resort cleanup, for time limits. */
  abort(): void;
}

/** Starts the benchmark backend in this process. */
export async function startBenchBackend(
  options: {
    /** Given: the caller owns and removes them. Default: this backend does. */
    resources?: BenchResources;
    signalTap?: SignalTap;
  } = {},
): Promise<BenchBackend> {
  const owned = !options.resources;
  const resources = options.resources ?? (await prepareResources());
  let onSignal: (() => void) | undefined;
  if (owned) {
    onSignal = () => {
      cleanupResourcesSync(resources);
      process.exit(130);
    };
    // Before the backend's own handlers, which exit once it has stopped.
    process.prependListener('SIGINT', onSignal);
    process.prependListener('SIGTERM', onSignal);
  }

  // BENCH_PORT pins the port (e.g. to a range assigned on a shared machine).
  const port = process.env.BENCH_PORT
    ? Number(process.env.BENCH_PORT)
    : await freePort();
  const serviceToken = randomBytes(24).toString('hex');
  const engine = new InMemoryEngine({
    id: BENCH_ENGINE_ID,
    title: 'Benchmark engine (in memory, reconciles instantly)',
    autoReconcile: true,
    capabilities: BENCH_CAPABILITIES.map(name =>
      testCapability({ name, title: `Benchmark ${name}` }),
    ),
  });
  let database: DatabaseService | undefined;

  const backend = createBackend();
  backend.add(
    createServiceFactory({
      service: coreServices.rootConfig,
      deps: {},
      factory: () =>
        new ConfigReader(
          benchConfig(resources, port, serviceToken),
          'bench-config',
        ),
    }),
  );
  backend.add(rootLoggerFactory(resources.logFile));
  backend.add(signalsFactory(options.signalTap));
  backend.add(authPlugin);
  backend.add(guestProviderModule);
  backend.add(permissionPlugin);
  backend.add(permissionModuleTrellisPolicy);
  backend.add(signalsPlugin);
  backend.add(platformPlugin);
  if (benchMcp()) backend.add(import('@backstage/plugin-mcp-actions-backend'));
  backend.add(benchNoopPlugin);
  backend.add(
    benchEngineModule(engine, db => {
      database = db;
    }),
  );

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      try {
        await backend.stop();
      } finally {
        if (owned) {
          await cleanupResources(resources);
          process.off('SIGINT', onSignal!);
          process.off('SIGTERM', onSignal!);
        }
      }
    })();
    return stopped;
  };

  try {
    await backend.start();
    // BENCH_SQLITE_JOURNAL=delete: SQLite's default rollback journal with
    // synchronous FULL, as Trellis ran before it switched to a write-ahead
    // log, to compare both on the same machine in the same hour.
    let sqliteJournal: string | undefined;
    if (resources.database === 'sqlite') {
      const db = await database!.getClient();
      if (process.env.BENCH_SQLITE_JOURNAL === 'delete') {
        await db.raw('PRAGMA journal_mode = DELETE');
        await db.raw('PRAGMA synchronous = FULL');
      }
      const [row] = await db.raw('PRAGMA journal_mode');
      sqliteJournal = String(row.journal_mode);
    }
    const baseUrl = `http://127.0.0.1:${port}`;
    const auth = benchAuth();
    const token = auth === 'user' ? await signInToken(baseUrl) : serviceToken;
    return {
      database: resources.database,
      baseUrl,
      apiUrl: `${baseUrl}/api/platform`,
      headers: { authorization: `Bearer ${token}` },
      auth,
      sqliteJournal,
      decisionCacheSeconds: decisionCacheSeconds(),
      logFile: resources.logFile,
      engine,
      knex: async () => {
        if (!database) throw new Error('The platform plugin did not start');
        return database.getClient();
      },
      stop,
      abort: () => {
        if (owned) cleanupResourcesSync(resources);
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * GET that retries once on a network error: a keep-alive connection the
 * server closed while the client was busy (seeding) fails the first request.
 */
export async function getWithRetry(
  url: string,
  headers: Record<string, string>,
): Promise<Response> {
  try {
    return await fetch(url, { headers });
  } catch {
    return fetch(url, { headers });
  }
}

/** One line on where the figures come from. */
export function describeRun(info: BenchBackendInfo): string {
  return [
    `database: ${
      info.database === 'postgres'
        ? 'PostgreSQL'
        : `SQLite (better-sqlite3, file${
            info.sqliteJournal ? `, journal ${info.sqliteJournal}` : ''
          })`
    }`,
    `auth: ${
      info.auth === 'user'
        ? 'user token (permission checks go to the permission backend)'
        : 'static service token (permission checks decided in-process)'
    }, platform decision cache ${
      info.decisionCacheSeconds ? `${info.decisionCacheSeconds} s` : 'off'
    }`,
    `Node ${process.version}, ${os.cpus().length} CPUs, load average ${os
      .loadavg()[0]
      .toFixed(2)} before the run`,
  ].join(' | ');
}
