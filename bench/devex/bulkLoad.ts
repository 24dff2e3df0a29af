/*
 * A bench-only bulk loader for the DevEx fact store: it writes the same rows
 * the store would, much faster than 10 M facts through `POST /facts`.
 *
 * What is the store's own code and what is not:
 * - the rollups: each day's facts become `RollupDeltas` (the store's
 *   contribution rules, the same code `POST /facts` runs); their rows are
 *   keyed by day and a day's facts all land in one pass, so they are plain
 *   inserts here instead of the store's upserts (same rows, same values);
 *   the week and month tables (counts and histograms per period, users per
 *   week and month, user counts, user bitmaps, first-seen days) come from the
 *   store's own `derivePeriodRollups`, `deriveActivePeriods` and
 *   `deriveActiveSets`, as after a rebuild;
 * - the facts and rollup rows: inserted with one prepared statement (SQLite)
 *   or one `unnest` statement per 2,000 rows (PostgreSQL), with the columns
 *   the store writes, fact ids assigned here in arrival order; the plain
 *   indexes of devex_facts are dropped during the load and created again at
 *   the end (same definitions as the migration);
 * - supersession: a recovered golden-path run (a second fact for the same
 *   task) lands on the same day as the run it replaces, so which fact counts
 *   is decided per day here, by the store's rule (newest time, then
 *   arrival), and devex_subjects gets the winners.
 * A store rebuild over the loaded facts gives the same rollups (the DevEx
 * store tests check rebuild = incremental on small histories).
 */
import { Knex } from 'knex';
import { deriveActivePeriods } from '../../plugins/devex-backend/src/database/ActiveRollups';
import { deriveActiveSets } from '../../plugins/devex-backend/src/database/ActiveSets';
import { derivePeriodRollups } from '../../plugins/devex-backend/src/database/PeriodRollups';
import {
  activeRow,
  RollupDeltas,
  StoredFact,
} from '../../plugins/devex-backend/src/rollups/contributions';
import { ReportingCalendar } from '../../plugins/devex-backend/src/rollups/days';

export interface BenchOrg {
  users: number;
  days: number;
  team(user: number): string;
}

const PLUGINS = [
  'catalog',
  'scaffolder',
  'platform',
  'techdocs',
  'devex',
  'search',
];
export const TEMPLATES = Array.from(
  { length: 5 },
  (_, i) => `template:default/golden-${i}`,
);
const CAPABILITIES = [
  'local:database',
  'local:bucket',
  'local:queue',
  'kubernetes:postgres',
  'kubernetes:redis',
  'kubernetes:kafka',
  'crossplane:s3',
  'crossplane:rds',
];

/** Columns and PostgreSQL types of the tables the loader writes. */
const TABLES: Record<string, [string, string][]> = {
  devex_facts: [
    ['id', 'bigint'],
    ['source_id', 'text'],
    ['source', 'text'],
    ['kind', 'text'],
    ['time', 'text'],
    ['day', 'text'],
    ['actor', 'text'],
    ['teams', 'text'],
    ['entity_ref', 'text'],
    ['template_ref', 'text'],
    ['capability_ref', 'text'],
    ['subject', 'text'],
    ['value', 'float8'],
    ['attributes', 'text'],
    ['received_at', 'text'],
  ],
  devex_subjects: [
    ['kind', 'text'],
    ['subject', 'text'],
    ['fact_id', 'bigint'],
    ['time', 'text'],
  ],
  devex_rollup_daily: [
    ['metric', 'text'],
    ['team', 'text'],
    ['dim', 'text'],
    ['day', 'text'],
    ['dim_value', 'text'],
    ['count', 'bigint'],
    ['sum', 'float8'],
  ],
  devex_rollup_histogram: [
    ['metric', 'text'],
    ['team', 'text'],
    ['dim', 'text'],
    ['day', 'text'],
    ['dim_value', 'text'],
    ['bucket', 'int'],
    ['count', 'bigint'],
  ],
  devex_rollup_active: [
    ['team', 'text'],
    ['plugin', 'text'],
    ['day', 'text'],
    ['actor', 'text'],
    ['week', 'text'],
    ['month', 'text'],
    ['events', 'bigint'],
  ],
};

const FACT_INDEXES: [string, string[]][] = [
  ['devex_facts_kind_day_idx', ['kind', 'day', 'id']],
  ['devex_facts_day_idx', ['day', 'id']],
  ['devex_facts_subject_idx', ['kind', 'subject', 'time']],
];

let seed = 12345;
function rnd() {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
}

/** The facts of one day, as the store would hold them. */
export function factsOfDay(
  org: BenchOrg,
  day: string,
  count: number,
  first: { id: number; task: number },
): StoredFact[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  const facts: StoredFact[] = [];
  let taskToday = -1;
  for (let i = 0; i < count; i++) {
    const id = first.id++;
    const user = Math.floor(rnd() * rnd() * org.users); // some users far more active
    const time = new Date(start + Math.floor(rnd() * 86_399_000)).toISOString();
    const base = {
      id,
      sourceId: `bench:${id}`,
      time,
      day,
      actor: `user:default/u${user}`,
      teams: [org.team(user)],
    };
    const r = rnd();
    if (r < 0.8) {
      const plugin = PLUGINS[Math.floor(rnd() * PLUGINS.length)];
      facts.push({
        ...base,
        source: 'analytics',
        kind: 'activity',
        attributes: { plugin, action: 'navigate', subject: `/${plugin}` },
      });
    } else if (r < 0.88) {
      const s = rnd();
      const status = s < 0.8 ? 'completed' : s < 0.95 ? 'failed' : 'cancelled';
      // One run in 20 is a recovered task: a later status of an earlier
      // task of the same day, which supersedes it.
      const recovered = taskToday >= 0 && rnd() < 0.05;
      const task = recovered ? taskToday : first.task++;
      if (!recovered) taskToday = task;
      facts.push({
        ...base,
        source: 'scaffolder',
        kind: 'golden-path.run',
        templateRef: TEMPLATES[Math.floor(rnd() * TEMPLATES.length)],
        subject: `bench:task/${task}`,
        value: Math.round(30 + rnd() * rnd() * 1200),
        attributes: {
          status,
          ...(status === 'completed' ? { timeSavedSeconds: 7200 } : {}),
          ...(status === 'failed'
            ? {
                failedStep: `step-${Math.floor(rnd() * 4)}`,
                failureMessage: `error ${Math.floor(rnd() * 6)}`,
              }
            : {}),
        },
      });
    } else {
      const k = rnd();
      const kind =
        k < 0.35
          ? 'platform.requested'
          : k < 0.65
          ? 'platform.picked-up'
          : k < 0.93
          ? 'platform.ready'
          : k < 0.995
          ? 'platform.failed'
          : 'platform.rollout.finished';
      const value =
        kind === 'platform.picked-up'
          ? Math.round(rnd() * 30)
          : kind === 'platform.ready'
          ? Math.round(20 + rnd() * 600)
          : undefined;
      facts.push({
        ...base,
        source: 'platform',
        kind,
        capabilityRef: CAPABILITIES[Math.floor(rnd() * CAPABILITIES.length)],
        ...(value !== undefined ? { value } : {}),
        attributes:
          kind === 'platform.failed'
            ? { message: `failure ${Math.floor(rnd() * 5)}` }
            : kind === 'platform.rollout.finished'
            ? { status: rnd() < 0.9 ? 'completed' : 'failed' }
            : {},
      });
    }
  }
  return facts;
}

function rowOf(fact: StoredFact, receivedAt: string): unknown[] {
  return [
    fact.id,
    fact.sourceId,
    fact.source,
    fact.kind,
    fact.time,
    fact.day,
    fact.actor ?? null,
    JSON.stringify(fact.teams),
    fact.entityRef ?? null,
    fact.templateRef ?? null,
    fact.capabilityRef ?? null,
    fact.subject ?? null,
    fact.value ?? null,
    JSON.stringify(fact.attributes),
    receivedAt,
  ];
}

/** Plain inserts of many rows: a prepared statement, or `unnest` on pg. */
async function insertRows(
  trx: Knex.Transaction,
  postgres: boolean,
  table: string,
  rows: unknown[][],
) {
  const columns = TABLES[table];
  const names = columns.map(([name]) => name).join(', ');
  if (!postgres) {
    const connection = (await trx.client.acquireConnection()) as {
      prepare(sql: string): { run(...values: unknown[]): unknown };
    };
    const statement = connection.prepare(
      `INSERT INTO ${table} (${names}) VALUES (${columns
        .map(() => '?')
        .join(', ')})`,
    );
    for (const row of rows) statement.run(...row);
    return;
  }
  // The pg client itself: knex would spread array bindings into lists.
  const connection = (await trx.client.acquireConnection()) as {
    query(sql: string, values: unknown[]): Promise<unknown>;
  };
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000);
    await connection.query(
      `INSERT INTO ${table} (${names})
       SELECT * FROM unnest(${columns
         .map(([, type], n) => `$${n + 1}::${type}[]`)
         .join(', ')})`,
      columns.map((_, c) => chunk.map(row => row[c])),
    );
  }
}

/** The rollup rows of one day's deltas (all new: rows are keyed by day). */
function rollupRows(deltas: RollupDeltas) {
  return {
    devex_rollup_daily: [...deltas.daily.values()]
      .filter(d => d.count !== 0 || d.sum !== 0)
      .map(d => [d.metric, d.team, d.dim, d.day, d.dimValue, d.count, d.sum]),
    devex_rollup_histogram: [...deltas.histogram.values()]
      .filter(d => d.count !== 0)
      .map(d => [
        d.metric,
        d.team,
        d.dim,
        d.day,
        d.dimValue,
        d.bucket,
        d.count,
      ]),
    devex_rollup_active: [...deltas.active.values()]
      .filter(d => d.events !== 0)
      .map(d => {
        const row = activeRow(d);
        return [
          row.team,
          row.plugin,
          row.day,
          row.actor,
          row.week,
          row.month,
          row.events,
        ];
      }),
  };
}

/**
 * Loads `total` facts over the org's last `days` days, one transaction per
 * day, and returns how many were loaded.
 */
export async function bulkLoad(
  db: Knex,
  org: BenchOrg,
  total: number,
  log: (line: string) => void,
): Promise<number> {
  const postgres = String(db.client.config.client).includes('pg');
  const calendar = new ReportingCalendar('UTC');
  const today = calendar.today();
  const startDay = new Date(
    Date.parse(`${today}T00:00:00Z`) - org.days * 86_400_000,
  );
  for (const [name] of FACT_INDEXES) {
    await db.raw(`DROP INDEX IF EXISTS ${name}`);
  }
  const perDay = Math.ceil(total / org.days);
  const next = { id: 1, task: 0 };
  const stats = new Map<
    string,
    { source: string; kind: string; facts: number; last: string }
  >();
  const receivedAt = new Date().toISOString();
  const started = Date.now();
  let loaded = 0;
  for (let d = 0; d < org.days && loaded < total; d++) {
    const day = new Date(startDay.getTime() + d * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const facts = factsOfDay(org, day, Math.min(perDay, total - loaded), next);
    const winners = new Map<string, StoredFact>();
    const deltas = new RollupDeltas();
    for (const fact of facts) {
      const key = `${fact.kind}\u0000${fact.subject}`;
      if (!fact.subject) deltas.add(fact);
      else {
        const before = winners.get(key);
        if (
          !before ||
          fact.time > before.time ||
          (fact.time === before.time && fact.id > before.id)
        )
          winners.set(key, fact);
      }
      const stat = stats.get(`${fact.source}/${fact.kind}`) ?? {
        source: fact.source,
        kind: fact.kind,
        facts: 0,
        last: fact.time,
      };
      stat.facts++;
      if (fact.time > stat.last) stat.last = fact.time;
      stats.set(`${fact.source}/${fact.kind}`, stat);
    }
    for (const fact of winners.values()) deltas.add(fact);
    await db.transaction(async trx => {
      await insertRows(
        trx,
        postgres,
        'devex_facts',
        facts.map(fact => rowOf(fact, receivedAt)),
      );
      await insertRows(
        trx,
        postgres,
        'devex_subjects',
        [...winners.values()].map(w => [w.kind, w.subject, w.id, w.time]),
      );
      for (const [table, rows] of Object.entries(rollupRows(deltas))) {
        await insertRows(trx, postgres, table, rows);
      }
    });
    loaded += facts.length;
    if (d % 30 === 0 || loaded >= total) {
      log(
        `  ${loaded} facts loaded, day ${d + 1}/${org.days} (${(
          (Date.now() - started) /
          1000
        ).toFixed(0)} s)`,
      );
    }
  }
  await db('devex_source_stats').insert(
    [...stats.values()].map(s => ({
      source: s.source,
      kind: s.kind,
      facts: s.facts,
      last_fact_at: s.last,
    })),
  );
  if (postgres) {
    await db.raw(
      `SELECT setval(pg_get_serial_sequence('devex_facts', 'id'), ?)`,
      [next.id],
    );
  }
  const derived = Date.now();
  await db.transaction(async trx => {
    await derivePeriodRollups(trx);
    await deriveActivePeriods(trx);
    await deriveActiveSets(trx);
  });
  log(
    `  weeks, months, counts, bitmaps and first-seen days derived in ${(
      (Date.now() - derived) /
      1000
    ).toFixed(0)} s`,
  );
  const indexed = Date.now();
  for (const [name, columns] of FACT_INDEXES) {
    await db.raw(`CREATE INDEX ${name} ON devex_facts (${columns.join(', ')})`);
  }
  log(`  indexes created in ${((Date.now() - indexed) / 1000).toFixed(0)} s`);
  await db.raw('ANALYZE');
  return loaded;
}
