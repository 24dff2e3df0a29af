/*
 * Trellis DevEx vs RHDH Adoption Insights, on the same machine, the same
 * PostgreSQL, in the same run. Run bench/devex/rhdh/setup.sh first.
 *
 * 1. Ingestion: the same stream of portal events (navigate, plus a "Create"
 *    click and a golden-path outcome per template run) from WORKERS clients
 *    in batches of BATCH for SECONDS seconds, over HTTP as the signed-in
 *    guest user, to each backend in turn on fresh databases: Trellis
 *    `POST /api/devex/analytics`, RHDH `POST /api/adoption-insights/events`.
 *    Acknowledged events per second, and for RHDH (which answers 200 before
 *    anything is stored: events wait in an in-memory queue) the rows in its
 *    table once the queue has drained. Then kill -9 halfway through a run
 *    of each: acknowledged vs stored.
 * 2. Questions, on the 10 M-fact Trellis data set that dashboard.ts keeps
 *    (devexbench_10000000_) and an RHDH events table filled with the same
 *    stream (its rows as its insertEvents writes them; bulk inserted):
 *    active users over 90 and 365 days, and template usage. p50 / p95 of
 *    each, 20 requests after 3 warm-up ones.
 *
 *   BENCH_PHASE=ingest|questions|all node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs bench/devex/rhdh/compare.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { postgresAdmin } from '../backend';
import { ingest } from './ingest';
import { questions } from './questions';
import { RHDH_DIR } from './rhdhBackend';

async function main() {
  const phase = process.env.BENCH_PHASE ?? 'all';
  if (!fs.existsSync(path.join(RHDH_DIR, 'node_modules'))) {
    throw new Error(`Run bench/devex/rhdh/setup.sh first (${RHDH_DIR})`);
  }
  await postgresAdmin(async () => undefined);
  if (phase !== 'questions') await ingest();
  if (phase !== 'ingest') await questions();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
