/*
 * Where list time goes: seeds the store like list.ts, sends each list query
 * once through the API while recording the SQL the store runs, then runs
 * that SQL directly (no HTTP, auth or JSON) BENCH_REQUESTS times and prints
 * its p50/p95 and its query plan (EXPLAIN QUERY PLAN on SQLite,
 * EXPLAIN ANALYZE on PostgreSQL).
 *
 * With BENCH_CANDIDATES=1 it then adds the indexes of candidates.ts to the
 * benchmark's temporary database and measures again, to check a proposed
 * migration before anyone writes it.
 *
 * Settings (environment): BENCH_DATABASE=sqlite|postgres, BENCH_RESOURCES
 * (default 100000), BENCH_REQUESTS (default 50), BENCH_CANDIDATES=1,
 * BENCH_PLANS=0 to skip the plans.
 */
import { Knex } from 'knex';
import {
  BENCH_CAPABILITIES,
  BENCH_ENGINE_ID,
  BENCH_TEAMS,
  BENCH_USER,
  BenchBackend,
  describeRun,
  getWithRetry,
  startBenchBackend,
} from './backend';
import { startTimeLimit } from './resources';
import { cursorAt } from './api';
import { CANDIDATE_STEPS } from './candidates';
import { componentRef, seedResources } from './seed';
import { intSetting, ms, printTable, summarize } from './stats';

const COUNT = intSetting('BENCH_RESOURCES', 100_000, 1_000, 1_000_000);
const REQUESTS = intSetting('BENCH_REQUESTS', 50, 5, 1_000);
const CANDIDATES = process.env.BENCH_CANDIDATES === '1';
const PLANS = process.env.BENCH_PLANS !== '0';
/** The deep page: the first page after this many rows, as in list.ts. */
const DEEP_OFFSET = Math.floor(COUNT / 2 / 500) * 500;

const team = BENCH_TEAMS[42];
/** The same queries as list.ts; the deep page needs a cursor from the API. */
function queries(
  deepCursor: string,
): Array<{ label: string; query: Record<string, string> }> {
  return [
    { label: 'no filter', query: {} },
    { label: 'owner + phase Ready', query: { owner: team, phase: 'Ready' } },
    { label: 'owner + phase Failed', query: { owner: team, phase: 'Failed' } },
    {
      label: 'capability + environment',
      query: {
        capabilityRef: `${BENCH_ENGINE_ID}:database`,
        environment: 'production',
      },
    },
    { label: 'component', query: { component: componentRef(42) } },
    { label: 'text "cache"', query: { text: 'cache' } },
    { label: 'text "svc-0042"', query: { text: 'svc-0042' } },
    { label: 'text, no match', query: { text: 'no-such-resource' } },
    { label: 'deep cursor page', query: { cursor: deepCursor } },
  ];
}

/**
 * The store's keyset condition `name > ? or (name = ? and id > ?)`, and the
 * same condition as a row value, `(name, id) > (?, ?)`, which both databases
 * can answer with a range scan of the (name, id) index.
 */
const KEYSET_OR = /\(([`"])name\1 > \? or \(\1name\1 = \? and \1id\1 > \?\)\)/;

function asRowValue(statement: Statement): Statement | undefined {
  const match = KEYSET_OR.exec(statement.sql);
  if (!match) return undefined;
  const q = match[1];
  const bindings = [...statement.bindings];
  // [...filters, v, v, id, limit]: drop the second v.
  bindings.splice(bindings.length - 3, 1);
  return {
    sql: statement.sql.replace(
      KEYSET_OR,
      `((${q}name${q}, ${q}id${q}) > (?, ?))`,
    ),
    bindings,
  };
}

interface Statement {
  sql: string;
  bindings: unknown[];
}

/** The list's reads: its filters are grouped in parentheses. */
const LIST_SQL =
  /^select (\*|count\(\*\)[^]*?) from [`"]platform_resources[`"] where \(/i;

/**
 * Reads of platform_resources by background work (dispatcher, resync), seen
 * while the benchmark runs; the last one seen per distinct SQL.
 */
const background = new Map<string, Statement>();

function toStatement(q: { sql: string; bindings?: unknown[] }): Statement {
  // Back to knex placeholders (PostgreSQL reports $1, $2, …).
  return { sql: q.sql.replace(/\$\d+/g, '?'), bindings: q.bindings ?? [] };
}

function watchBackground(knex: Knex) {
  knex.on('query', (q: { sql: string; bindings?: unknown[] }) => {
    if (
      /^select/i.test(q.sql) &&
      q.sql.includes('platform_resources') &&
      !LIST_SQL.test(q.sql) &&
      !/where [`"]id[`"] (=|in)/i.test(q.sql)
    ) {
      background.set(q.sql, toStatement(q));
    }
  });
}

/** Records the reads of platform_resources one API call makes. */
async function capture(
  backend: BenchBackend,
  knex: Knex,
  query: Record<string, string>,
): Promise<Statement[]> {
  const statements: Statement[] = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => {
    if (LIST_SQL.test(q.sql)) statements.push(toStatement(q));
  };
  knex.on('query', listener);
  try {
    const response = await getWithRetry(
      `${backend.apiUrl}/resources?${new URLSearchParams(query)}`,
      backend.headers,
    );
    if (!response.ok) throw new Error(`List answered ${response.status}`);
    await response.json();
  } finally {
    knex.off('query', listener);
  }
  return statements;
}

async function plan(knex: Knex, statement: Statement): Promise<string[]> {
  if (knex.client.config.client === 'pg') {
    const result = await knex.raw(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement.sql}`,
      statement.bindings as Knex.RawBinding[],
    );
    return result.rows.map((r: Record<string, string>) => r['QUERY PLAN']);
  }
  const rows: Array<{ detail: string }> = await knex.raw(
    `EXPLAIN QUERY PLAN ${statement.sql}`,
    statement.bindings as Knex.RawBinding[],
  );
  return rows.map(r => r.detail);
}

async function time(knex: Knex, statement: Statement) {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS + 5; i++) {
    const start = performance.now();
    await knex.raw(statement.sql, statement.bindings as Knex.RawBinding[]);
    if (i >= 5) samples.push(performance.now() - start);
  }
  return summarize(samples);
}

async function measure(
  backend: BenchBackend,
  knex: Knex,
  title: string,
  deepCursor: string,
): Promise<void> {
  console.log(`\n${title}\n`);
  const rows: string[][] = [];
  const plans: string[] = [];
  for (const { label, query } of queries(deepCursor)) {
    const captured = await capture(backend, knex, query);
    const rowValue = captured.map(asRowValue).find(Boolean);
    const statements = rowValue ? [...captured, rowValue] : captured;
    for (const [index, statement] of statements.entries()) {
      const kind = /count\(/i.test(statement.sql)
        ? 'count'
        : statement === rowValue
        ? 'page, row-value keyset'
        : 'page';
      const summary = await time(knex, statement);
      rows.push([`${label} (${kind})`, ms(summary.p50), ms(summary.p95)]);
      if (PLANS) {
        plans.push(
          `${label} (${kind})${
            index === 0 || statement === rowValue ? `\n  ${statement.sql}` : ''
          }`,
          ...(await plan(knex, statement)).map(line => `    ${line}`),
        );
      }
    }
  }
  for (const statement of background.values()) {
    const summary = await time(knex, statement);
    rows.push([
      `background: ${statement.sql.slice(0, 60)}…`,
      ms(summary.p50),
      ms(summary.p95),
    ]);
    if (PLANS) {
      plans.push(
        `background\n  ${statement.sql}`,
        ...(await plan(knex, statement)).map(line => `    ${line}`),
      );
    }
  }
  printTable(['SQL statement', 'p50 ms', 'p95 ms'], rows);
  if (PLANS) console.log(`\nPlans:\n${plans.join('\n')}`);
}

async function main() {
  let backend: BenchBackend | undefined;
  startTimeLimit(1_800, () => backend?.abort());
  backend = await startBenchBackend();
  try {
    console.log('Platform API: list SQL, without the API around it');
    console.log(describeRun(backend));
    const knex = await backend.knex();
    watchBackground(knex);
    const seeded = await seedResources(knex, {
      count: COUNT,
      engineId: BENCH_ENGINE_ID,
      capabilities: BENCH_CAPABILITIES,
      owners: BENCH_TEAMS,
      requestedBy: BENCH_USER,
    });
    console.log(
      `Seeded ${seeded.inserted.toLocaleString(
        'en-US',
      )} resources in ${seeded.seconds.toFixed(
        1,
      )} s; ${REQUESTS} runs per statement.`,
    );
    const deepCursor = await cursorAt(backend, DEEP_OFFSET);
    await measure(
      backend,
      knex,
      'Indexes of the current migrations',
      deepCursor,
    );
    if (CANDIDATES) {
      for (const step of CANDIDATE_STEPS[backend.database]) {
        for (const statement of step.statements) await knex.raw(statement);
        await measure(
          backend,
          knex,
          `${step.title}:\n  ${step.statements.join('\n  ')}`,
          deepCursor,
        );
      }
    }
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
