import { IngestResult } from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import {
  FactFieldError,
  ValidFact,
  validateFact,
} from '../ingest/validateFact';
import { addDays, ReportingCalendar } from '../rollups/days';
import { RollupDeltas, StoredFact } from '../rollups/contributions';
import { deriveActivePeriods } from './ActiveRollups';
import { deriveActiveSets } from './ActiveSets';
import { DirectoryStore } from './DirectoryStore';
import {
  ExportedFact,
  exportedFromRow,
  factFromRow,
  FactRow,
} from './factRows';
import {
  addSourceStats,
  readSourceStats,
  SourceStat,
  sourceStatsFrom,
} from './sourceStats';
import { rebuildSubjects, supersede } from './subjects';
import { derivePeriodRollups } from './PeriodRollups';
import { applyDeltas } from './RollupWriter';
import { WriteLock } from './WriteLock';
import { isSqlite } from './migrate';

export type { ExportedFact } from './factRows';

/** Rows per multi-row statement, below SQLite's 999 bound variables. */
const FACT_CHUNK = 60;
const REBUILD_PAGE = 5000;

const RETAINED_FROM = 'retained_from';

/**
 * The append-only fact store. Every write is one transaction: the new facts,
 * the subjects they supersede, and the rollups they change land together, so
 * dashboards (which read rollups only) never see a half-applied batch.
 */
export class FactStore {
  private readonly postgres: boolean;

  constructor(
    private readonly db: Knex,
    private readonly directory: DirectoryStore,
    private readonly calendar: ReportingCalendar,
    private readonly lock: WriteLock,
  ) {
    this.postgres = !isSqlite(db);
  }

  /**
   * Validates and stores a batch from `source`. Re-delivered facts (known
   * sourceId) count as duplicates; invalid ones are rejected with their index
   * and field; neither stops the rest. Resolves once committed (with
   * `recoverable`, see DevexFactWriteOptions, before the commit is flushed).
   */
  async write(
    source: string,
    inputs: readonly unknown[],
    now = new Date(),
    options: { recoverable?: boolean } = {},
  ): Promise<IngestResult> {
    const result: IngestResult = { accepted: 0, duplicates: 0, rejected: [] };
    const valid: ValidFact[] = [];
    const seen = new Set<string>();
    inputs.forEach((input, index) => {
      try {
        const fact = validateFact(input, now);
        if (seen.has(fact.sourceId)) {
          result.duplicates++;
          return;
        }
        seen.add(fact.sourceId);
        valid.push(fact);
      } catch (error) {
        if (!(error instanceof FactFieldError)) throw error;
        result.rejected.push({
          index,
          field: error.field,
          message: error.message,
        });
      }
    });
    if (valid.length === 0) return result;

    const stored = await this.lock.run(
      this.db,
      async trx => {
        // Known sourceIds are skipped by the insert itself (ON CONFLICT DO
        // NOTHING), so a batch is written without reading the facts first.
        const facts = await this.insertFacts(trx, source, valid, now);
        if (facts.length === 0) return 0;
        const deltas = new RollupDeltas();
        await supersede(trx, facts, deltas);
        await applyDeltas(trx, deltas);
        return facts.length;
      },
      { asyncCommit: options.recoverable },
    );
    result.accepted = stored;
    result.duplicates += valid.length - stored;
    return result;
  }

  /** Inserts the facts not stored yet and adds them to the source's stats. */
  private async insertFacts(
    trx: Knex.Transaction,
    source: string,
    facts: ValidFact[],
    now: Date,
  ): Promise<StoredFact[]> {
    const needTeams = facts.filter(f => f.teams === undefined && f.actor);
    const teams = await this.directory.teamsAt(
      trx,
      needTeams.map(f => ({ actor: f.actor!, time: f.time })),
    );
    const resolved = new Map(needTeams.map((f, i) => [f, teams[i]]));
    const receivedAt = now.toISOString();
    const rows = facts.map(f => ({
      source_id: f.sourceId,
      source,
      kind: f.kind,
      time: f.time,
      day: this.calendar.dayOf(f.time),
      actor: f.actor ?? null,
      teams: JSON.stringify(f.teams ?? resolved.get(f) ?? []),
      entity_ref: f.entityRef ?? null,
      template_ref: f.templateRef ?? null,
      capability_ref: f.capabilityRef ?? null,
      subject: f.subject ?? null,
      value: f.value ?? null,
      attributes: JSON.stringify(f.attributes),
      received_at: receivedAt,
    }));
    const ids = new Map<string, number>();
    for (let i = 0; i < rows.length; i += FACT_CHUNK) {
      const insert = trx('devex_facts')
        .insert(rows.slice(i, i + FACT_CHUNK))
        .onConflict('source_id')
        .ignore();
      // PostgreSQL: the stats in the same statement (one round trip less
      // a batch), from the rows the insert returns.
      const inserted: { id: number | string; source_id: string }[] = this
        .postgres
        ? await trx
            .with(
              'inserted',
              insert.returning(['id', 'source_id', 'kind', 'time']),
            )
            .with('stats', sourceStatsFrom(trx, 'inserted', source))
            .select('id', 'source_id')
            .from('inserted')
        : await insert.returning(['id', 'source_id']);
      inserted.forEach(r => ids.set(r.source_id, Number(r.id)));
    }
    const stored = rows
      .filter(row => ids.has(row.source_id))
      .map(row => factFromRow({ ...row, id: ids.get(row.source_id)! }));
    if (!this.postgres && stored.length) {
      await addSourceStats(trx, source, stored);
    }
    return stored;
  }

  /**
   * Recomputes every rollup from the facts: which fact counts for each
   * subject, then the daily rows, histograms and active users per day, and
   * from those the week and month counts and histograms, the users per week
   * and month, their counts, bitmaps and first-seen days. Days before
   * `retained_from` (whose facts retention removed) keep their rollups.
   */
  async rebuild(): Promise<{ facts: number; retainedFrom?: string }> {
    return this.lock.run(this.db, async trx => {
      const retainedFrom = await this.retainedFrom(trx);
      for (const table of [
        'devex_rollup_daily',
        'devex_rollup_histogram',
        'devex_rollup_active',
      ]) {
        const q = trx(table);
        if (retainedFrom) q.where('day', '>=', retainedFrom);
        await q.delete();
      }
      await rebuildSubjects(trx);
      let after = 0;
      let counted = 0;
      for (;;) {
        const q = trx('devex_facts as f')
          .leftJoin('devex_subjects as s', join =>
            join.on('s.kind', 'f.kind').andOn('s.subject', 'f.subject'),
          )
          .where('f.id', '>', after)
          .where(w =>
            w
              .whereNull('f.subject')
              .orWhereRaw('?? = ??', ['s.fact_id', 'f.id']),
          )
          .orderBy('f.id')
          .limit(REBUILD_PAGE)
          .select('f.*');
        if (retainedFrom) q.where('f.day', '>=', retainedFrom);
        const rows: FactRow[] = await q;
        if (rows.length === 0) break;
        const deltas = new RollupDeltas();
        for (const row of rows) {
          const day = this.calendar.dayOf(row.time);
          if (day !== row.day) {
            // The reporting time zone changed since the fact landed.
            await trx('devex_facts').where({ id: row.id }).update({ day });
          }
          deltas.add(factFromRow({ ...row, day }));
        }
        await applyDeltas(trx, deltas, { derived: false });
        counted += rows.length;
        after = Number(rows[rows.length - 1].id);
      }
      await derivePeriodRollups(trx);
      await deriveActivePeriods(trx);
      await deriveActiveSets(trx);
      return { facts: counted, retainedFrom };
    });
  }

  /**
   * Deletes raw facts of days before `today − days`; rollups are kept. A fact
   * that still counts for its subject is kept, so that a newer fact can take
   * it out of the rollups.
   */
  async applyRetention(
    days: number,
    now = new Date(),
  ): Promise<{ deleted: number; retainedFrom: string }> {
    const cutoff = addDays(this.calendar.today(now), -days);
    return this.lock.run(this.db, async trx => {
      const deleted = await trx('devex_facts')
        .where('day', '<', cutoff)
        .whereNotIn('id', trx('devex_subjects').select('fact_id'))
        .delete();
      const before = await this.retainedFrom(trx);
      if (!before || before < cutoff) {
        await trx('devex_meta')
          .insert({ key: RETAINED_FROM, value: cutoff })
          .onConflict('key')
          .merge(['value']);
      }
      return {
        deleted,
        retainedFrom: before && before > cutoff ? before : cutoff,
      };
    });
  }

  private async retainedFrom(
    db: Knex | Knex.Transaction,
  ): Promise<string | undefined> {
    const row = await db('devex_meta').where({ key: RETAINED_FROM }).first();
    return row?.value;
  }

  /** Raw facts in arrival order, for the admin export. */
  async exportFacts(query: {
    kind?: string;
    from?: string;
    to?: string;
    after?: number;
    limit: number;
  }): Promise<{ items: ExportedFact[]; nextCursor?: string }> {
    const q = this.db('devex_facts')
      .orderBy('id')
      .limit(query.limit + 1);
    if (query.kind) q.where('kind', query.kind);
    if (query.from) q.where('day', '>=', query.from);
    if (query.to) q.where('day', '<=', query.to);
    if (query.after !== undefined) q.where('id', '>', query.after);
    const rows: FactRow[] = await q;
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(exportedFromRow),
      nextCursor:
        rows.length > query.limit
          ? String(page[page.length - 1].id)
          : undefined,
    };
  }

  /** Facts stored per source and kind. */
  async sourceStats(): Promise<SourceStat[]> {
    return readSourceStats(this.db);
  }
}
