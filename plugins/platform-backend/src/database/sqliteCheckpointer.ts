import { Knex } from 'knex';
import { Worker } from 'node:worker_threads';

/**
 * Runs in a worker thread: its own connection to the database file copies the
 * write-ahead log back into the database (a PASSIVE checkpoint, which never
 * waits for or blocks a reader or writer) and syncs both files.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage(String(error && error.message || error));
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Pages the log may grow to before the writer checkpoints it itself. */
const FALLBACK_PAGES = 10_000;

/** Where the better-sqlite3 module that knex loaded lives. */
function driverPath(db: Knex): string | undefined {
  const driver = (db.client as { driver?: unknown }).driver;
  const loaded = Object.values(require.cache).find(
    module => module?.exports === driver,
  );
  if (loaded) return loaded.filename;
  try {
    return require.resolve('better-sqlite3', {
      paths: [require.resolve('knex')],
    });
  } catch {
    return undefined;
  }
}

/**
 * Takes SQLite's checkpoints off the event loop. better-sqlite3 runs on the
 * thread that calls it, and in write-ahead-log mode the commit that crosses
 * `wal_autocheckpoint` (1,000 pages, about 27 creates) copies the log into
 * the database and waits for two fsyncs: 3–7 ms on this project's machines,
 * during which the backend answers nobody. A worker thread checkpoints
 * instead, every `intervalMs`; the writer's own checkpoint stays as a
 * fallback, at 10,000 pages, should the worker fall behind or stop.
 * Durability is unchanged: a commit is in the log before it is answered,
 * and a checkpoint copies only what is already there.
 *
 * Returns a function that stops the worker; undefined when the database is
 * not a better-sqlite3 file in write-ahead-log mode.
 */
export async function startSqliteCheckpointer(
  db: Knex,
  options: { intervalMs?: number; onError?: (message: string) => void } = {},
): Promise<(() => Promise<void>) | undefined> {
  if (db.client.config.client !== 'better-sqlite3') return undefined;
  const filename = (db.client as { connectionSettings?: { filename?: string } })
    .connectionSettings?.filename;
  if (!filename || filename === ':memory:') return undefined;
  const [mode] = (await db.raw('PRAGMA journal_mode')) as Array<{
    journal_mode: string;
  }>;
  if (mode?.journal_mode !== 'wal') return undefined;
  const driver = driverPath(db);
  if (!driver) return undefined;

  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, filename, intervalMs: options.intervalMs ?? 100 },
  });
  worker.unref();
  let stopping = false;
  worker.on('message', message => options.onError?.(String(message)));
  worker.once('error', error => options.onError?.(String(error)));
  const exited = new Promise<void>(resolve =>
    worker.once('exit', () => {
      // Gone without being asked: the writer checkpoints as before.
      if (!stopping) {
        db.raw('PRAGMA wal_autocheckpoint = 1000').catch(() => undefined);
      }
      resolve();
    }),
  );
  const setFallback = (connection: { pragma?: (sql: string) => unknown }) =>
    connection.pragma?.(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  await db.raw(`PRAGMA wal_autocheckpoint = ${FALLBACK_PAGES}`);
  (db.client as { pool?: NodeJS.EventEmitter }).pool?.on(
    'createSuccess',
    (_id: unknown, connection: { pragma?: (sql: string) => unknown }) =>
      setFallback(connection),
  );
  return async () => {
    stopping = true;
    worker.postMessage('stop');
    await exited;
  };
}
