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

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEADLINE_MS,
  log,
  PG_URL,
  pg,
  RUN,
  sleep,
} from './rolling-restart/common.mjs';
import { accepted, sent, startLoad } from './rolling-restart/load.mjs';
import { Replica } from './rolling-restart/replica.mjs';
import { printReport } from './rolling-restart/report.mjs';
import { verify, waitAllReady } from './rolling-restart/verify.mjs';

let temp;

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
  const a = new Replica('A', 7181, temp);
  const b = new Replica('B', 7182, temp);
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
    const ok = printReport(replicas, result);
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
