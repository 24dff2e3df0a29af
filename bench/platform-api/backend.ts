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
 * - `startBenchBackend()`: in this process, for benchmarks that need the
 *   engine object (signal latency). No HTTP load generator may share it.
 * - `spawnBenchBackend()`: in a child process, for HTTP load (create, list),
 *   so that the load generator does not compete with the server for one
 *   event loop. The child answers a few commands over IPC (seeding, and
 *   SQL for experiments).
 *
 * Traffic stays on 127.0.0.1. Temporary files and PostgreSQL databases are
 * removed when the run ends, on Ctrl-C, and (databases of killed runs) by the
 * next run.
 */
import { createBackend } from '@backstage/backend-defaults';
import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import {
  coreServices,
  createBackendModule,
  createBackendPlugin,
  createServiceFactory,
  DatabaseService,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import authPlugin from '@backstage/plugin-auth-backend';
import guestProviderModule from '@backstage/plugin-auth-backend-module-guest-provider';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import permissionPlugin from '@backstage/plugin-permission-backend';
import signalsPlugin from '@backstage/plugin-signals-backend';
import {
  DefaultSignalsService,
  SignalPayload,
  SignalsService,
  signalsServiceRef,
} from '@backstage/plugin-signals-node';
import { JsonObject } from '@backstage/types';
import { Knex } from 'knex';
import platformPlugin from '@trellis/backstage-plugin-platform-backend';
import { platformCapabilityReadPermission } from '@trellis/backstage-plugin-platform-common';
import { platformEnginesExtensionPoint } from '@trellis/backstage-plugin-platform-node';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { ChildProcess, execFile, execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Session } from 'node:inspector/promises';
import Router from 'express-promise-router';
import * as winston from 'winston';
import { permissionModuleTrellisPolicy } from '../../packages/backend/src/permissions/module';
import { SeedOptions, SeedResult, seedResources } from './seed';

/** The engine id of the benchmark engine; capability refs are `bench:<name>`. */
export const BENCH_ENGINE_ID = 'bench';
/** Capabilities the benchmark engine offers. */
export const BENCH_CAPABILITIES = [
  'database',
  'cache',
  'queue',
  'bucket',
  'topic',
  'search',
  'secrets',
  'dns-zone',
];
/** The signed-in benchmark user and the groups it belongs to. */
export const BENCH_USER = 'user:default/bench';
export const BENCH_TEAMS = Array.from(
  { length: 100 },
  (_, i) => `group:default/team-${String(i).padStart(3, '0')}`,
);
/** The benchmark user is a member of the first 20 teams. */
export const BENCH_USER_TEAMS = BENCH_TEAMS.slice(0, 20);

export type BenchDatabase = 'sqlite' | 'postgres';

/** Where a run keeps its state; removed by `cleanupResources`. */
export interface BenchResources {
  database: BenchDatabase;
  tmpDir: string;
  /** Database name prefix (one database per plugin) on PostgreSQL. */
  pgPrefix?: string;
  logFile: string;
}

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

/** Called for every signal the platform publishes, after it is forwarded. */
export type SignalTap = (
  signal: SignalPayload,
  calledAt: number,
  settledAt: number,
) => void;

const DEFAULT_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432';
const PG_PREFIX = 'trellis_bench_';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function benchDatabase(): BenchDatabase {
  const value = (process.env.BENCH_DATABASE ?? 'sqlite').toLocaleLowerCase(
    'en-US',
  );
  if (value === 'sqlite' || value === 'better-sqlite3') return 'sqlite';
  if (value === 'postgres' || value === 'postgresql' || value === 'pg') {
    return 'postgres';
  }
  throw new Error(
    `BENCH_DATABASE must be 'sqlite' or 'postgres', got '${value}'`,
  );
}

/** BENCH_DECISION_CACHE: the platform's decision cache in seconds (10). */
function decisionCacheSeconds(): number {
  const value = Number(process.env.BENCH_DECISION_CACHE ?? 10);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error('BENCH_DECISION_CACHE must be a number of seconds');
  }
  return value;
}

/** BENCH_MCP=1: also run the MCP server (@backstage/plugin-mcp-actions-backend). */
function benchMcp(): boolean {
  return process.env.BENCH_MCP === '1';
}

function benchAuth(): 'user' | 'service' {
  const value = process.env.BENCH_AUTH ?? 'user';
  if (value !== 'user' && value !== 'service') {
    throw new Error(`BENCH_AUTH must be 'user' or 'service', got '${value}'`);
  }
  return value;
}

/** The PostgreSQL server URL, without a database (one database per plugin). */
function postgresUrl(): string {
  const url = new URL(process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL);
  if (!LOOPBACK.has(url.hostname)) {
    throw new Error(
      `BENCH_POSTGRES_URL must point at 127.0.0.1, not ${url.hostname}`,
    );
  }
  url.pathname = '';
  return url.toString().replace(/\/$/, '');
}

// Runs in a separate node process (also synchronously from signal handlers):
// drops the databases that start with argv[2]; with argv[3] === 'stale', only
// those of benchmark processes that no longer run.
const DROP_DATABASES_SCRIPT = `
const { Client } = require(process.argv[1]);
const prefix = process.argv[2];
const staleOnly = process.argv[3] === 'stale';
const alive = pid => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
(async () => {
  const url = new URL(process.env.BENCH_POSTGRES_URL);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix]);
    for (const { datname } of rows) {
      if (staleOnly) {
        const pid = Number(datname.slice(prefix.length).split('_')[0]);
        if (!Number.isInteger(pid) || alive(pid)) continue;
      }
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [datname]);
      await client.query('DROP DATABASE IF EXISTS "' + datname.replace(/"/g, '""') + '"');
    }
  } finally {
    await client.end();
  }
})().catch(error => { console.error('Dropping benchmark databases failed:', error.message); process.exit(1); });
`;

function dropDatabasesArgs(prefix: string, staleOnly: boolean) {
  return [
    '-e',
    DROP_DATABASES_SCRIPT,
    require.resolve('pg'),
    prefix,
    ...(staleOnly ? ['stale'] : []),
  ];
}

function dropDatabasesEnv() {
  return { ...process.env, BENCH_POSTGRES_URL: postgresUrl() };
}

/** Creates the temporary directory and names the PostgreSQL databases. */
export async function prepareResources(): Promise<BenchResources> {
  const database = benchDatabase();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-'));
  const resources: BenchResources = {
    database,
    tmpDir,
    logFile:
      process.env.BENCH_LOG_FILE || path.join(tmpDir, 'backend.log.jsonl'),
  };
  if (database === 'postgres') {
    // Databases left behind by runs that were killed.
    await promisify(execFile)(
      process.execPath,
      dropDatabasesArgs(PG_PREFIX, true),
      { env: dropDatabasesEnv(), timeout: 30_000 },
    );
    resources.pgPrefix = `${PG_PREFIX}${process.pid}_${randomBytes(3).toString(
      'hex',
    )}_`;
  }
  return resources;
}

/** Removes the temporary directory and drops the run's databases. */
export async function cleanupResources(resources: BenchResources) {
  fs.rmSync(resources.tmpDir, { recursive: true, force: true });
  if (resources.pgPrefix) {
    await promisify(execFile)(
      process.execPath,
      dropDatabasesArgs(resources.pgPrefix, false),
      { env: dropDatabasesEnv(), timeout: 30_000 },
    );
  }
}

/** The same, synchronously: for signal handlers and time limits. */
export function cleanupResourcesSync(resources: BenchResources) {
  fs.rmSync(resources.tmpDir, { recursive: true, force: true });
  if (resources.pgPrefix) {
    try {
      execFileSync(
        process.execPath,
        dropDatabasesArgs(resources.pgPrefix, false),
        { env: dropDatabasesEnv(), timeout: 30_000, stdio: 'inherit' },
      );
    } catch {
      // Reported by the script; the next run drops what is left.
    }
  }
}

/**
 * Ends the process after `seconds` whatever happens, so that a stuck
 * benchmark stops by itself. `cleanup` must be synchronous.
 */
export function startTimeLimit(seconds: number, cleanup: () => void) {
  const timer = setTimeout(() => {
    console.error(`Benchmark exceeded its ${seconds} s time limit; stopping.`);
    cleanup();
    process.exit(2);
  }, seconds * 1000);
  timer.unref();
  return () => clearTimeout(timer);
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

function benchConfig(
  resources: BenchResources,
  port: number,
  serviceToken: string,
): JsonObject {
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app: { baseUrl },
    backend: {
      baseUrl,
      listen: { host: '127.0.0.1', port },
      database:
        resources.database === 'postgres'
          ? {
              client: 'pg',
              connection: postgresUrl(),
              prefix: resources.pgPrefix!,
            }
          : {
              client: 'better-sqlite3',
              connection: { directory: resources.tmpDir },
            },
      auth: {
        externalAccess: [
          {
            type: 'static',
            options: { token: serviceToken, subject: 'bench' },
          },
        ],
      },
      // BENCH_MCP=1 (mcp.ts): the platform's actions as MCP tools.
      ...(benchMcp() ? { actions: { pluginSources: ['platform'] } } : {}),
    },
    auth: {
      environment: 'development',
      providers: {
        guest: {
          dangerouslyAllowOutsideDevelopment: true,
          userEntityRef: BENCH_USER,
          ownershipEntityRefs: [BENCH_USER, ...BENCH_USER_TEAMS],
        },
      },
    },
    permission: { enabled: true },
    platform: {
      permissions: { decisionCacheSeconds: decisionCacheSeconds() },
      // The static-token runs measure the API, not the approvals inbox: a
      // service principal's creates would otherwise be change requests.
      approvals: { servicePrincipals: 'allowed' },
    },
  };
}

/**
 * The backend logs as in production (JSON, level info: access log and audit
 * events included) but to a file, so that the figures stay readable;
 * warnings and errors also go to stderr.
 */
function rootLoggerFactory(logFile: string) {
  return createServiceFactory({
    service: coreServices.rootLogger,
    deps: {},
    factory() {
      return WinstonLogger.create({
        meta: { service: 'backstage' },
        level: process.env.BENCH_LOG_LEVEL || 'info',
        format: winston.format.combine(
          winston.format.timestamp(),
          winston.format.json(),
        ),
        transports: [
          new winston.transports.Stream({
            stream: fs.createWriteStream(logFile, { flags: 'a' }),
          }),
          new winston.transports.Console({
            level: 'warn',
            stderrLevels: ['error', 'warn'],
          }),
        ],
      });
    },
  });
}

/**
 * The default signals service (publishes on the events bus, where the signals
 * backend picks it up) with a tap that records when the platform called
 * `publish` and when forwarding finished. Signals are forwarded, not dropped.
 */
function signalsFactory(tap?: SignalTap) {
  return createServiceFactory({
    service: signalsServiceRef,
    deps: { events: eventsServiceRef },
    factory({ events }): SignalsService {
      const inner = DefaultSignalsService.create({ events });
      if (!tap) return inner;
      return {
        async publish(signal) {
          const calledAt = performance.now();
          try {
            await inner.publish(signal);
          } finally {
            tap(signal as SignalPayload, calledAt, performance.now());
          }
        },
      };
    },
  });
}

function benchEngineModule(
  engine: InMemoryEngine,
  onDatabase: (database: DatabaseService) => void,
) {
  return createBackendModule({
    pluginId: 'platform',
    moduleId: 'bench-engine',
    register(reg) {
      reg.registerInit({
        deps: {
          engines: platformEnginesExtensionPoint,
          database: coreServices.database,
        },
        async init({ engines, database }) {
          engines.addEngine(engine);
          onDatabase(database);
        },
      });
    },
  });
}

/**
 * The floor to compare the platform API against: a bench-only plugin
 * (`/api/bench`, never part of Trellis) whose routes do nothing but what every
 * authenticated Backstage route does. `GET /noop` authenticates the caller
 * (`httpAuth.credentials`, user or service) and answers `{}`; `GET /authorize`
 * does the same plus one permission check (`platform.capability.read`, a basic
 * permission), the round trip every platform call makes at least once. Both
 * go through the same HTTP stack as the platform plugin (router, auth
 * middleware, access log) in the same process.
 */
const benchNoopPlugin = createBackendPlugin({
  pluginId: 'bench',
  register(reg) {
    reg.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
      },
      async init({ httpRouter, httpAuth, permissions }) {
        const router = Router();
        router.get('/noop', async (req, res) => {
          await httpAuth.credentials(req, { allow: ['user', 'service'] });
          res.json({});
        });
        router.get('/authorize', async (req, res) => {
          const credentials = await httpAuth.credentials(req, {
            allow: ['user', 'service'],
          });
          const [decision] = await permissions.authorize(
            [{ permission: platformCapabilityReadPermission }],
            { credentials },
          );
          res.json({ result: decision.result });
        });
        httpRouter.use(router);
      },
    });
  },
});

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

// ---- child process mode

type ChildCommand =
  | { type: 'call'; id: number; command: 'seed'; args: SeedOptions }
  | { type: 'call'; id: number; command: 'exec'; args: string[] }
  | { type: 'call'; id: number; command: 'cpu'; args: null }
  | { type: 'call'; id: number; command: 'sql-stats'; args: null }
  | { type: 'call'; id: number; command: 'profile-start'; args: null }
  | { type: 'call'; id: number; command: 'profile-stop'; args: string }
  | { type: 'stop' };

type ChildMessage =
  | { type: 'ready'; info: BenchBackendInfo }
  | { type: 'reply'; id: number; result?: unknown; error?: string }
  | { type: 'failed'; error: string }
  | { type: 'watch' };

export interface BenchBackendProcess extends BenchBackendInfo {
  /** Inserts resources straight into the platform's tables (see seed.ts). */
  seed(options: SeedOptions): Promise<SeedResult>;
  /** Runs SQL statements on the platform's database (experiments only). */
  exec(statements: string[]): Promise<void>;
  /** CPU time the backend process has used so far (process.cpuUsage), µs. */
  cpuMicros(): Promise<number>;
  /**
   * The platform's SQL statements since the last call (by statement text:
   * count and total ms between knex's `query` and `query-response` events).
   */
  sqlStats(): Promise<SqlStats>;
  /** Starts V8's CPU profiler in the backend process. */
  startProfile(): Promise<void>;
  /** Stops it and writes the profile (.cpuprofile, as `node --cpu-prof`). */
  stopProfile(file: string): Promise<void>;
  stop(): Promise<void>;
  /** Synchronous last-resort cleanup, for time limits. */
  abort(): void;
}

/** Starts the benchmark backend in a child process. */
export async function spawnBenchBackend(): Promise<BenchBackendProcess> {
  const resources = await prepareResources();
  const child: ChildProcess = fork(__filename, [], {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_CHILD_RESOURCES: JSON.stringify(resources) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  let cleaned: Promise<void> | undefined;
  const stop = () => {
    cleaned ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ type: 'stop' } satisfies ChildCommand);
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      await cleanupResources(resources);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    })();
    return cleaned;
  };
  const abort = () => {
    child.kill('SIGKILL');
    cleanupResourcesSync(resources);
  };
  const onSignal = () => {
    abort();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (value: any) => void; reject: (error: Error) => void }
  >();
  const info = await new Promise<BenchBackendInfo>((resolve, reject) => {
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') resolve(message.info);
      else if (message.type === 'failed') reject(new Error(message.error));
      else if (message.type === 'reply') {
        const call = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) call?.reject(new Error(message.error));
        else call?.resolve(message.result);
      }
    });
    child.once('exit', code => {
      const error = new Error(`The benchmark backend exited (${code})`);
      reject(error);
      for (const call of pending.values()) call.reject(error);
    });
  }).catch(async error => {
    await stop();
    throw error;
  });

  const call = <T>(command: Omit<ChildCommand & { type: 'call' }, 'id'>) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ ...command, id } as ChildCommand);
    });

  return {
    ...info,
    seed: args => call({ type: 'call', command: 'seed', args }),
    exec: args => call({ type: 'call', command: 'exec', args }),
    cpuMicros: () => call({ type: 'call', command: 'cpu', args: null }),
    sqlStats: () => call({ type: 'call', command: 'sql-stats', args: null }),
    startProfile: () =>
      call({ type: 'call', command: 'profile-start', args: null }),
    stopProfile: file =>
      call({ type: 'call', command: 'profile-stop', args: file }),
    stop,
    abort,
  };
}

async function childMain() {
  const resources: BenchResources = JSON.parse(
    process.env.BENCH_CHILD_RESOURCES!,
  );
  // The parent owns the resources; if it goes away, stop too.
  let backend: BenchBackend | undefined;
  const exit = async (code: number) => {
    await backend?.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('disconnect', () => void exit(0));
  try {
    backend = await startBenchBackend({ resources });
  } catch (error) {
    process.send?.({
      type: 'failed',
      error: String(error),
    } satisfies ChildMessage);
    await exit(1);
    return;
  }
  const {
    engine: _engine,
    knex,
    stop: _stop,
    abort: _abort,
    ...info
  } = backend;
  let profiler: Session | undefined;
  const sql = watchSql(await knex());
  process.on('message', async (message: ChildCommand) => {
    if (message.type === 'stop') {
      await exit(0);
      return;
    }
    try {
      const db = await knex();
      let result: unknown;
      if (message.command === 'seed') {
        result = await seedResources(db, message.args);
      } else if (message.command === 'cpu') {
        const usage = process.cpuUsage();
        result = usage.user + usage.system;
      } else if (message.command === 'sql-stats') {
        result = sql.take();
      } else if (message.command === 'profile-start') {
        // The same profiler as `node --cpu-prof`, limited to the measured
        // window instead of the whole process (startup included).
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      } else if (message.command === 'profile-stop') {
        if (!profiler) throw new Error('No profile was started');
        const { profile } = await profiler.post('Profiler.stop');
        fs.writeFileSync(message.args, JSON.stringify(profile));
        profiler.disconnect();
        profiler = undefined;
      } else {
        for (const statement of message.args) await db.raw(statement);
      }
      process.send?.({
        type: 'reply',
        id: message.id,
        result,
      } satisfies ChildMessage);
    } catch (error) {
      process.send?.({
        type: 'reply',
        id: message.id,
        error: String((error as Error)?.stack ?? error),
      } satisfies ChildMessage);
    }
  });
  process.send?.({ type: 'ready', info } satisfies ChildMessage);
}

/** Statement text → how often it ran and how long it took in all (ms). */
export type SqlStats = Record<string, { count: number; ms: number }>;

/** Counts the statements a knex client runs (knex's query events). */
function watchSql(db: Knex) {
  let stats: SqlStats = {};
  const started = new Map<string, number>();
  db.on('query', (query: { __knexQueryUid: string }) => {
    started.set(query.__knexQueryUid, performance.now());
  });
  const done = (
    _response: unknown,
    query: { __knexQueryUid: string; sql: string },
  ) => {
    const at = started.get(query.__knexQueryUid);
    started.delete(query.__knexQueryUid);
    const entry = (stats[query.sql] ??= { count: 0, ms: 0 });
    entry.count += 1;
    if (at !== undefined) entry.ms += performance.now() - at;
  };
  db.on('query-response', done);
  db.on('query-error', (_error: unknown, query: any) => done(undefined, query));
  return {
    take() {
      const taken = stats;
      stats = {};
      return taken;
    },
  };
}

if (require.main === module) {
  void childMain();
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
