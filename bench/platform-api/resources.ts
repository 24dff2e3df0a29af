/*
 * Where a platform API benchmark run keeps its state, and how it is removed:
 * the temporary directory, the PostgreSQL databases (one per plugin, dropped
 * at the end and, for killed runs, by the next run), and the hard time limit.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export type BenchDatabase = 'sqlite' | 'postgres';

/** Where a run keeps its state; removed by `cleanupResources`. */
export interface BenchResources {
  database: BenchDatabase;
  tmpDir: string;
  /** Database name prefix (one database per plugin) on PostgreSQL. */
  pgPrefix?: string;
  logFile: string;
}

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

/** The PostgreSQL server URL, without a database (one database per plugin). */
export function postgresUrl(): string {
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
