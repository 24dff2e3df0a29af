/*
 * List latency with many resources in the store: seeds BENCH_RESOURCES
 * (default 100,000) resources straight into the platform's tables (see
 * seed.ts: the API is bypassed for speed), then sends each query
 * sequentially, BENCH_REQUESTS times after BENCH_WARMUP_REQUESTS unmeasured
 * ones, and prints p50/p95/p99 per query. Every request is a full API call:
 * user token, permission check through the permission backend, OpenAPI
 * validation, the page query and the count query, JSON of 50 resources.
 *
 * Settings (environment): BENCH_DATABASE=sqlite|postgres, BENCH_AUTH=user|service,
 * BENCH_RESOURCES (default 100000, max 1000000), BENCH_REQUESTS (default 200),
 * BENCH_WARMUP_REQUESTS (default 20), BENCH_CANDIDATES=1 to add the indexes
 * proposed in docs/benchmarks.md (candidates.ts) after seeding, BENCH_ONLY
 * (measure only the queries whose label contains it, e.g. `text`).
 */
import {
  BENCH_CAPABILITIES,
  BENCH_ENGINE_ID,
  BENCH_TEAMS,
  BENCH_USER,
  describeRun,
} from './backend';
import { BenchBackendProcess, spawnBenchBackend } from './backendProcess';
import { startTimeLimit } from './resources';
import { cursorAt, getPage } from './api';
import { PROPOSED_INDEXES } from './candidates';
import { componentRef } from './seed';
import { intSetting, ms, printTable, summarize } from './stats';

const COUNT = intSetting('BENCH_RESOURCES', 100_000, 1_000, 1_000_000);
const REQUESTS = intSetting('BENCH_REQUESTS', 200, 10, 2_000);
const WARMUP = intSetting('BENCH_WARMUP_REQUESTS', 20, 0, 200);
/** BENCH_CANDIDATES=1: add the indexes proposed in docs/benchmarks.md first. */
const CANDIDATES = process.env.BENCH_CANDIDATES === '1';
/** The deep page: the first page after this many rows. */
const DEEP_OFFSET = Math.floor(COUNT / 2 / 500) * 500;

async function main() {
  let backend: BenchBackendProcess | undefined;
  startTimeLimit(1_800, () => backend?.abort());
  backend = await spawnBenchBackend();
  try {
    console.log('Platform API: list (GET /api/platform/resources)');
    console.log(describeRun(backend));

    const seeded = await backend.seed({
      count: COUNT,
      engineId: BENCH_ENGINE_ID,
      capabilities: BENCH_CAPABILITIES,
      owners: BENCH_TEAMS,
      requestedBy: BENCH_USER,
    });
    console.log(
      `Seeded ${seeded.inserted.toLocaleString(
        'en-US',
      )} resources (${seeded.live.toLocaleString(
        'en-US',
      )} not deleted) in ${seeded.seconds.toFixed(
        1,
      )} s, straight into the tables.`,
    );
    if (CANDIDATES) {
      const statements = PROPOSED_INDEXES[backend.database];
      await backend.exec(statements);
      console.log(
        `Experiment: with the proposed indexes of candidates.ts:\n  ${statements.join(
          '\n  ',
        )}`,
      );
    }
    console.log(
      `${REQUESTS} sequential requests per query after ${WARMUP} unmeasured ones; first page = 50 resources.\n`,
    );

    const deepCursor = await cursorAt(backend, DEEP_OFFSET);
    const team = BENCH_TEAMS[42];
    const queries: Array<{ label: string; query: Record<string, string> }> = [
      { label: 'no filter (by name)', query: {} },
      {
        label: 'owner + phase (team-042, Ready)',
        query: { owner: team, phase: 'Ready' },
      },
      {
        label: 'owner + phase (team-042, Failed)',
        query: { owner: team, phase: 'Failed' },
      },
      {
        label: 'capability + environment (database, production)',
        query: {
          capabilityRef: `${BENCH_ENGINE_ID}:database`,
          environment: 'production',
        },
      },
      {
        label: 'component (svc-0042)',
        query: { component: componentRef(42) },
      },
      { label: 'text, common ("cache")', query: { text: 'cache' } },
      { label: 'text, rare ("svc-0042")', query: { text: 'svc-0042' } },
      { label: 'text, no match', query: { text: 'no-such-resource' } },
      {
        label: 'no filter, newest updates first',
        query: { orderBy: 'updatedAt', order: 'desc' },
      },
      {
        label: `no filter, page after row ${DEEP_OFFSET.toLocaleString(
          'en-US',
        )} (cursor)`,
        query: { cursor: deepCursor },
      },
    ];

    const only = process.env.BENCH_ONLY;
    const rows: string[][] = [];
    for (const { label, query } of queries) {
      if (only && !label.includes(only)) continue;
      const first = await getPage(backend, query);
      for (let i = 0; i < WARMUP; i++) await getPage(backend, query);
      const samples: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const start = performance.now();
        await getPage(backend, query);
        samples.push(performance.now() - start);
      }
      const summary = summarize(samples);
      rows.push([
        label,
        `${first.totalCount.toLocaleString('en-US')}${
          first.totalCountCapped ? '+' : ''
        }`,
        ms(summary.p50),
        ms(summary.p95),
        ms(summary.p99),
        ms(summary.max),
      ]);
    }
    printTable(
      [
        'query (first page unless noted)',
        'matches',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
      ],
      rows,
    );
  } finally {
    await backend.stop();
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
