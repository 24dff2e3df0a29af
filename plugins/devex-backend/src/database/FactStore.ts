import { JsonObject } from '@backstage/types';
import { IngestResult } from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import {
  FactFieldError,
  ValidFact,
  validateFact,
} from '../ingest/validateFact';
import { ReportingCalendar } from '../rollups/days';
import { activeRow, RollupDeltas, StoredFact } from '../rollups/contributions';
import { DirectoryStore } from './DirectoryStore';
import { WriteLock } from './WriteLock';

/** A stored fact as the raw export shows it. */
export interface ExportedFact {
  id: string;
  sourceId: string;
  source: string;
  kind: string;
  time: string;
  actor?: string;
  teams: string[];
  entityRef?: string;
  templateRef?: string;
  capabilityRef?: string;
  subject?: string;
  value?: number;
  attributes: JsonObject;
  receivedAt: string;
}

interface FactRow {
  id: number | string;
  source_id: string;
  source: string;
  kind: string;
  time: string;
  day: string;
  actor: string | null;
  teams: string;
  entity_ref: string | null;
  template_ref: string | null;
  capability_ref: string | null;
  subject: string | null;
  value: number | string | null;
  attributes: string;
  received_at: string;
}

/** Rows per multi-row statement, below SQLite's 999 bound variables. */
const FACT_CHUNK = 60;
const ROLLUP_CHUNK = 120;
const REBUILD_PAGE = 5000;

const RETAINED_FROM = 'retained_from';

/**
 * The append-only fact store. Every write is one transaction: the new facts,
 * the subjects they supersede, and the rollups they change land together, so
 * dashboards (which read rollups only) never see a half-applied batch.
 */
export class FactStore {
  constructor(
    private readonly db: Knex,
    private readonly directory: DirectoryStore,
    private readonly calendar: ReportingCalendar,
    private readonly lock: WriteLock,
  ) {}

  /**
   * Validates and stores a batch from `source`. Re-delivered facts (known
   * sourceId) count as duplicates; invalid ones are rejected with their index
   * and field; neither stops the rest. Resolves once committed.
   */
  async write(
    source: string,
    inputs: readonly unknown[],
    now = new Date(),
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

    const stored = await this.lock.run(this.db, async trx => {
      const known = new Set<string>();
      for (let i = 0; i < valid.length; i += 500) {
        const rows: { source_id: string }[] = await trx('devex_facts')
          .whereIn(
            'source_id',
            valid.slice(i, i + 500).map(f => f.sourceId),
          )
          .select('source_id');
        rows.forEach(r => known.add(r.source_id));
      }
      const fresh = valid.filter(f => !known.has(f.sourceId));
      if (fresh.length === 0) return 0;
      const facts = await this.insertFacts(trx, source, fresh, now);
      const deltas = new RollupDeltas();
      await this.supersede(trx, facts, deltas);
      await applyDeltas(trx, deltas);
      await this.updateSourceStats(trx, source, facts);
      return facts.length;
    });
    result.accepted = stored;
    result.duplicates += valid.length - stored;
    return result;
  }

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
      const inserted: { id: number | string; source_id: string }[] = await trx(
        'devex_facts',
      )
        .insert(rows.slice(i, i + FACT_CHUNK))
        .returning(['id', 'source_id']);
      inserted.forEach(r => ids.set(r.source_id, Number(r.id)));
    }
    return rows.map(row =>
      factFromRow({ ...row, id: ids.get(row.source_id)! }),
    );
  }

  /**
   * Adds the facts that now count to `deltas`: facts without a subject, and
   * for each (kind, subject) the newest fact (by time, then arrival), taking
   * out the one it replaces.
   */
  private async supersede(
    trx: Knex.Transaction,
    facts: StoredFact[],
    deltas: RollupDeltas,
  ): Promise<void> {
    const bySubject = new Map<string, StoredFact[]>();
    for (const fact of facts) {
      if (!fact.subject) {
        deltas.add(fact);
        continue;
      }
      const key = JSON.stringify([fact.kind, fact.subject]);
      bySubject.set(key, [...(bySubject.get(key) ?? []), fact]);
    }
    if (bySubject.size === 0) return;
    const keys = [...bySubject.keys()].map(
      k => JSON.parse(k) as [string, string],
    );
    const current = new Map<string, { fact_id: number; time: string }>();
    for (let i = 0; i < keys.length; i += 400) {
      const rows: {
        kind: string;
        subject: string;
        fact_id: number | string;
        time: string;
      }[] = await trx('devex_subjects').whereIn(
        ['kind', 'subject'],
        keys.slice(i, i + 400),
      );
      for (const r of rows) {
        current.set(JSON.stringify([r.kind, r.subject]), {
          fact_id: Number(r.fact_id),
          time: r.time,
        });
      }
    }
    const replaced: number[] = [];
    const winners: StoredFact[] = [];
    for (const [key, candidates] of bySubject) {
      const newest = candidates.reduce((a, b) => (newer(b, a) ? b : a));
      const before = current.get(key);
      if (before && !newer(newest, { time: before.time, id: before.fact_id }))
        continue;
      if (before) replaced.push(before.fact_id);
      winners.push(newest);
    }
    for (let i = 0; i < replaced.length; i += 500) {
      const rows: FactRow[] = await trx('devex_facts').whereIn(
        'id',
        replaced.slice(i, i + 500),
      );
      rows.forEach(row => deltas.add(factFromRow(row), -1));
    }
    for (const winner of winners) deltas.add(winner);
    const subjectRows = winners.map(w => ({
      kind: w.kind,
      subject: w.subject!,
      fact_id: w.id,
      time: w.time,
    }));
    for (let i = 0; i < subjectRows.length; i += ROLLUP_CHUNK) {
      await trx('devex_subjects')
        .insert(subjectRows.slice(i, i + ROLLUP_CHUNK))
        .onConflict(['kind', 'subject'])
        .merge(['fact_id', 'time']);
    }
  }

  private async updateSourceStats(
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
        facts: trx.raw('?? + ??', [
          'devex_source_stats.facts',
          'excluded.facts',
        ]),
        last_fact_at: trx.raw('CASE WHEN ?? > ?? THEN ?? ELSE ?? END', [
          'excluded.last_fact_at',
          'devex_source_stats.last_fact_at',
          'excluded.last_fact_at',
          'devex_source_stats.last_fact_at',
        ]),
      });
  }

  /**
   * Recomputes every rollup from the facts: which fact counts for each
   * subject, then the daily rows, histograms and active users. Days before
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
      await trx('devex_subjects').delete();
      await trx.raw(
        `INSERT INTO devex_subjects (kind, subject, fact_id, time)
         SELECT f.kind, f.subject, MAX(f.id), f.time FROM devex_facts f
         JOIN (SELECT kind, subject, MAX(time) AS time FROM devex_facts
               WHERE subject IS NOT NULL GROUP BY kind, subject) m
           ON m.kind = f.kind AND m.subject = f.subject AND m.time = f.time
         GROUP BY f.kind, f.subject, f.time`,
      );
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
        await applyDeltas(trx, deltas);
        counted += rows.length;
        after = Number(rows[rows.length - 1].id);
      }
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
    const cutoff = addDaysTo(this.calendar.today(now), -days);
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
  async sourceStats(): Promise<
    { source: string; kind: string; facts: number; lastFactAt: string }[]
  > {
    const rows: {
      source: string;
      kind: string;
      facts: string | number;
      last_fact_at: string;
    }[] = await this.db('devex_source_stats').select();
    return rows.map(r => ({
      source: r.source,
      kind: r.kind,
      facts: Number(r.facts),
      lastFactAt: r.last_fact_at,
    }));
  }
}

/** Whether a is newer than b: later time, or same time and later arrival. */
function newer(
  a: { time: string; id: number },
  b: { time: string; id: number },
) {
  return a.time > b.time || (a.time === b.time && a.id > b.id);
}

function addDaysTo(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Adds the deltas to the rollup tables, one upsert per chunk and table. */
export async function applyDeltas(trx: Knex.Transaction, deltas: RollupDeltas) {
  const add = (table: string, column: string) =>
    trx.raw('?? + ??', [`${table}.${column}`, `excluded.${column}`]);
  const daily = [...deltas.daily.values()]
    .filter(d => d.count !== 0 || d.sum !== 0)
    .map(d => ({
      metric: d.metric,
      team: d.team,
      dim: d.dim,
      day: d.day,
      dim_value: d.dimValue,
      count: d.count,
      sum: d.sum,
    }));
  const dailyKey = ['metric', 'team', 'dim', 'day', 'dim_value'];
  for (let i = 0; i < daily.length; i += ROLLUP_CHUNK) {
    await trx('devex_rollup_daily')
      .insert(daily.slice(i, i + ROLLUP_CHUNK))
      .onConflict(dailyKey)
      .merge({
        count: add('devex_rollup_daily', 'count'),
        sum: add('devex_rollup_daily', 'sum'),
      });
  }
  const histogram = [...deltas.histogram.values()]
    .filter(d => d.count !== 0)
    .map(d => ({
      metric: d.metric,
      team: d.team,
      dim: d.dim,
      day: d.day,
      dim_value: d.dimValue,
      bucket: d.bucket,
      count: d.count,
    }));
  const histogramKey = ['metric', 'team', 'dim', 'day', 'dim_value', 'bucket'];
  for (let i = 0; i < histogram.length; i += ROLLUP_CHUNK) {
    await trx('devex_rollup_histogram')
      .insert(histogram.slice(i, i + ROLLUP_CHUNK))
      .onConflict(histogramKey)
      .merge({ count: add('devex_rollup_histogram', 'count') });
  }
  const active = [...deltas.active.values()]
    .filter(d => d.events !== 0)
    .map(d => activeRow(d));
  const activeKey = ['team', 'plugin', 'day', 'actor'];
  for (let i = 0; i < active.length; i += ROLLUP_CHUNK) {
    await trx('devex_rollup_active')
      .insert(active.slice(i, i + ROLLUP_CHUNK))
      .onConflict(activeKey)
      .merge({ events: add('devex_rollup_active', 'events') });
  }
  if (!deltas.subtracted) return;
  // Rows a superseded fact took back to zero are removed, so that a rollup
  // row always means "something counts here" (as a rebuild would leave it).
  const negative = <T>(rows: T[], keep: (row: T) => boolean) =>
    rows.filter(keep);
  const emptied = async (
    table: string,
    key: string[],
    rows: Record<string, unknown>[],
    column: string,
  ) => {
    for (let i = 0; i < rows.length; i += ROLLUP_CHUNK) {
      await trx(table)
        .whereIn(
          key,
          rows.slice(i, i + ROLLUP_CHUNK).map(r => key.map(k => r[k])) as any,
        )
        .where(column, '<=', 0)
        .delete();
    }
  };
  await emptied(
    'devex_rollup_daily',
    dailyKey,
    negative(daily, d => d.count < 0),
    'count',
  );
  await emptied(
    'devex_rollup_histogram',
    histogramKey,
    negative(histogram, d => d.count < 0),
    'count',
  );
  await emptied(
    'devex_rollup_active',
    activeKey,
    negative(active, d => d.events < 0),
    'events',
  );
}

function factFromRow(row: FactRow): StoredFact {
  return {
    id: Number(row.id),
    sourceId: row.source_id,
    source: row.source,
    kind: row.kind,
    time: row.time,
    day: row.day,
    actor: row.actor ?? undefined,
    teams: JSON.parse(row.teams),
    entityRef: row.entity_ref ?? undefined,
    templateRef: row.template_ref ?? undefined,
    capabilityRef: row.capability_ref ?? undefined,
    subject: row.subject ?? undefined,
    value: row.value === null ? undefined : Number(row.value),
    attributes: JSON.parse(row.attributes),
  };
}

function exportedFromRow(row: FactRow): ExportedFact {
  const fact = factFromRow(row);
  return {
    id: String(fact.id),
    sourceId: fact.sourceId,
    source: fact.source,
    kind: fact.kind,
    time: fact.time,
    ...(fact.actor ? { actor: fact.actor } : {}),
    teams: fact.teams,
    ...(fact.entityRef ? { entityRef: fact.entityRef } : {}),
    ...(fact.templateRef ? { templateRef: fact.templateRef } : {}),
    ...(fact.capabilityRef ? { capabilityRef: fact.capabilityRef } : {}),
    ...(fact.subject ? { subject: fact.subject } : {}),
    ...(fact.value !== undefined ? { value: fact.value } : {}),
    attributes: fact.attributes,
    receivedAt: row.received_at,
  };
}
