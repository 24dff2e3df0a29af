/*
 * The benchmark backend in a child process, for HTTP load (create, list, mcp):
 * the load generator then does not compete with the server for one event
 * loop. The child answers a few commands over IPC: seeding, SQL for
 * experiments, its CPU time, the SQL it ran, and a CPU profile.
 */
import { Knex } from 'knex';
import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { BenchBackend, BenchBackendInfo, startBenchBackend } from './backend';
import {
  BenchResources,
  cleanupResources,
  cleanupResourcesSync,
  prepareResources,
} from './resources';
import { SeedOptions, SeedResult, seedResources } from './seed';

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
