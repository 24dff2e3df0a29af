import { Knex } from 'knex';
import { StoredFact } from '../rollups/contributions';

export interface SourceStat {
  source: string;
  kind: string;
  facts: number;
  lastFactAt: string;
}

/** Adds stored facts to the per-source, per-kind counts and latest times. */
export async function addSourceStats(
  trx: Knex.Transaction,
  source: string,
  facts: StoredFact[],
) {
  const byKind = new Map<string, { facts: number; last: string }>();
  for (const fact of facts) {
    const entry = byKind.get(fact.kind) ?? { facts: 0, last: fact.time };
    entry.facts++;
    if (fact.time > entry.last) entry.last = fact.time;
    byKind.set(fact.kind, entry);
  }
  const rows = [...byKind].map(([kind, e]) => ({
    source,
    kind,
    facts: e.facts,
    last_fact_at: e.last,
  }));
  await trx('devex_source_stats')
    .insert(rows)
    .onConflict(['source', 'kind'])
    .merge({
      facts: trx.raw('?? + ??', ['devex_source_stats.facts', 'excluded.facts']),
      last_fact_at: trx.raw('CASE WHEN ?? > ?? THEN ?? ELSE ?? END', [
        'excluded.last_fact_at',
        'devex_source_stats.last_fact_at',
        'excluded.last_fact_at',
        'devex_source_stats.last_fact_at',
      ]),
    });
}

/**
 * PostgreSQL: the statement of addSourceStats for the facts in `cte` (a
 * data-modifying WITH of the same statement, with `kind` and `time`).
 */
export function sourceStatsFrom(
  trx: Knex.Transaction,
  cte: string,
  source: string,
): Knex.Raw {
  return trx.raw(
    `INSERT INTO devex_source_stats (source, kind, facts, last_fact_at)
     SELECT ?, kind, COUNT(*), MAX(time) FROM ?? GROUP BY kind
     ON CONFLICT (source, kind) DO UPDATE SET
       facts = devex_source_stats.facts + excluded.facts,
       last_fact_at = CASE WHEN excluded.last_fact_at > devex_source_stats.last_fact_at
         THEN excluded.last_fact_at ELSE devex_source_stats.last_fact_at END`,
    [source, cte],
  );
}

/** Facts stored per source and kind. */
export async function readSourceStats(db: Knex): Promise<SourceStat[]> {
  const rows: {
    source: string;
    kind: string;
    facts: string | number;
    last_fact_at: string;
  }[] = await db('devex_source_stats').select();
  return rows.map(r => ({
    source: r.source,
    kind: r.kind,
    facts: Number(r.facts),
    lastFactAt: r.last_fact_at,
  }));
}
