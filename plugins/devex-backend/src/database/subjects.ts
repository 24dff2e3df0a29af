import { Knex } from 'knex';
import {
  countsInRollups,
  RollupDeltas,
  StoredFact,
} from '../rollups/contributions';
import { factFromRow, FactRow } from './factRows';
import { ROLLUP_CHUNK } from './upserts';

/**
 * Adds the facts that now count to `deltas`: facts without a subject, and
 * for each (kind, subject) the newest fact (by time, then arrival), taking
 * out the one it replaces.
 */
export async function supersede(
  trx: Knex.Transaction,
  facts: StoredFact[],
  deltas: RollupDeltas,
): Promise<void> {
  const bySubject = new Map<string, StoredFact[]>();
  const uncounted = new Map<string, StoredFact>();
  for (const fact of facts) {
    if (!fact.subject) {
      deltas.add(fact);
      continue;
    }
    const key = JSON.stringify([fact.kind, fact.subject]);
    if (!countsInRollups(fact.kind)) {
      const other = uncounted.get(key);
      if (!other || newer(fact, other)) uncounted.set(key, fact);
      continue;
    }
    bySubject.set(key, [...(bySubject.get(key) ?? []), fact]);
  }
  await setNewest(trx, [...uncounted.values()]);
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

/**
 * Makes each fact the one that counts for its subject unless a newer one
 * does, in one upsert per chunk and without reading the subjects first: for
 * kinds that add nothing to the rollups, there is nothing to take out of
 * them (delivery facts: the delivery index reads the facts themselves).
 * `facts` holds one per (kind, subject).
 */
async function setNewest(trx: Knex.Transaction, facts: StoredFact[]) {
  const rows = facts.map(f => ({
    kind: f.kind,
    subject: f.subject!,
    fact_id: f.id,
    time: f.time,
  }));
  const t = 'devex_subjects';
  for (let i = 0; i < rows.length; i += ROLLUP_CHUNK) {
    await trx(t)
      .insert(rows.slice(i, i + ROLLUP_CHUNK))
      .onConflict(['kind', 'subject'])
      .merge(['fact_id', 'time'])
      .where(w =>
        w
          .where(`${t}.time`, '<', trx.ref('excluded.time'))
          .orWhere(a =>
            a
              .where(`${t}.time`, '=', trx.ref('excluded.time'))
              .andWhere(`${t}.fact_id`, '<', trx.ref('excluded.fact_id')),
          ),
      );
  }
}

/**
 * Sets, for each (kind, subject), the fact that counts: the newest by time,
 * then by arrival (the highest id).
 */
export async function rebuildSubjects(trx: Knex.Transaction): Promise<void> {
  await trx('devex_subjects').delete();
  await trx.raw(
    `INSERT INTO devex_subjects (kind, subject, fact_id, time)
     SELECT f.kind, f.subject, MAX(f.id), f.time FROM devex_facts f
     JOIN (SELECT kind, subject, MAX(time) AS time FROM devex_facts
           WHERE subject IS NOT NULL GROUP BY kind, subject) m
       ON m.kind = f.kind AND m.subject = f.subject AND m.time = f.time
     GROUP BY f.kind, f.subject, f.time`,
  );
}

/** Whether a is newer than b: later time, or same time and later arrival. */
function newer(
  a: { time: string; id: number },
  b: { time: string; id: number },
) {
  return a.time > b.time || (a.time === b.time && a.id > b.id);
}
