/*
 * Indexes proposed in docs/benchmarks.md, as the benchmarks apply them to
 * their temporary database (BENCH_CANDIDATES=1) to measure a migration
 * before anyone writes it. Nothing outside the temporary database changes.
 */
import type { BenchDatabase } from './resources';

/** What the proposed migration would create, per database. */
export const PROPOSED_INDEXES: Record<BenchDatabase, string[]> = {
  sqlite: [
    // The dispatcher's query for owed work, every 5 s and after each
    // change: only rows that owe work are in the index.
    'CREATE INDEX bench_dispatch_due ON platform_resources (dispatch_next_at) WHERE dispatch_action IS NOT NULL',
    // Live rows in list order with the search text: text filters and counts
    // scan this index instead of looking every row up in the table.
    'CREATE INDEX bench_live_name_search ON platform_resources (name, id, search_text) WHERE deleted_at IS NULL',
  ],
  postgres: [
    'CREATE INDEX bench_dispatch_due ON platform_resources (dispatch_next_at) WHERE dispatch_action IS NOT NULL',
    // (The pg_trgm index for free text measured here became migration
    // 20261121200000_search_trigram_index.)
    // As autovacuum would after the index builds.
    'VACUUM (ANALYZE) platform_resources',
  ],
};

/** explain.ts: the proposed indexes, then (SQLite) planner statistics. */
export const CANDIDATE_STEPS: Record<
  BenchDatabase,
  Array<{ title: string; statements: string[] }>
> = {
  sqlite: [
    { title: 'With the proposed indexes', statements: PROPOSED_INDEXES.sqlite },
    {
      title: 'And with planner statistics (not proposed)',
      statements: ['ANALYZE'],
    },
  ],
  postgres: [
    {
      title: 'With the proposed indexes',
      statements: PROPOSED_INDEXES.postgres,
    },
  ],
};
