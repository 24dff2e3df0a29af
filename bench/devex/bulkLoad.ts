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
 *
 * The data set is benchFacts.ts; the rows and their inserts, bulkRows.ts.
 */
import { Knex } from 'knex';
import { deriveActivePeriods } from '../../plugins/devex-backend/src/database/ActiveRollups';
import { deriveActiveSets } from '../../plugins/devex-backend/src/database/ActiveSets';
import { derivePeriodRollups } from '../../plugins/devex-backend/src/database/PeriodRollups';
import {
  RollupDeltas,
  StoredFact,
} from '../../plugins/devex-backend/src/rollups/contributions';
import { ReportingCalendar } from '../../plugins/devex-backend/src/rollups/days';
import { BenchOrg, factsOfDay } from './benchFacts';
import { insertRows, rollupRows, rowOf } from './bulkRows';

const FACT_INDEXES: [string, string[]][] = [
  ['devex_facts_kind_day_idx', ['kind', 'day', 'id']],
  ['devex_facts_day_idx', ['day', 'id']],
  ['devex_facts_subject_idx', ['kind', 'subject', 'time']],
];

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
