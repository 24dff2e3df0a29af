import { Knex } from 'knex';
import { addToHistogram } from '../../rollups/histogram';
import { DeliveryAgg, emptyAgg, ScopeAggs } from './aggregates';
import { CHANGES, DEPLOYMENTS, INCIDENTS } from './DeliveryIndex';

const n = (v: unknown) => Number(v ?? 0);

export interface AggQuery {
  from: string;
  to: string;
  /** Only these scopes (component refs); all when undefined. */
  scopes?: string[];
  /** Group by ISO week or by day. */
  period: 'week' | 'day';
}

/**
 * The delivery tables summed per scope and period over a range: grouped,
 * indexed reads bounded by the range's days (no raw facts).
 */
export async function readAggs(db: Knex, q: AggQuery): Promise<ScopeAggs> {
  const out: ScopeAggs = new Map();
  const at = (scope: string | null, period: string) => {
    const key = scope ?? '';
    if (!out.has(key)) out.set(key, new Map());
    const m = out.get(key)!;
    if (!m.has(period)) m.set(period, emptyAgg());
    return m.get(period)!;
  };
  if (q.scopes && q.scopes.length === 0) return out;
  const scoped = (b: Knex.QueryBuilder, column: string) =>
    q.scopes ? b.whereIn(column, q.scopes) : b;
  const week = q.period === 'week';
  const depPeriod = week ? 'week' : 'day';
  const changePeriod = week ? 'deploy_week' : 'deploy_day';
  const resolvedPeriod = week ? 'resolved_week' : 'resolved_day';
  const yes = (column: string) =>
    db.raw(`SUM(CASE WHEN ${column} THEN 1 ELSE 0 END)`);
  const notNull = (column: string) =>
    db.raw(`SUM(CASE WHEN ${column} IS NOT NULL THEN 1 ELSE 0 END)`);

  const [deployments, leads, withoutFirst, notDeployed, recovery, open] =
    await Promise.all([
      scoped(
        db(DEPLOYMENTS)
          .where({ production: true, status: 'success' })
          .whereBetween('day', [q.from, q.to]),
        'scope',
      )
        .groupBy('scope', depPeriod)
        .select({
          scope: 'scope',
          period: depPeriod,
          deployments: db.raw('COUNT(*)'),
          failed: yes('failed'),
          by_incident: notNull('failed_incident'),
          by_rollback: notNull('failed_rollback'),
          rework: yes('rework'),
        }),
      scoped(
        db(CHANGES)
          .whereBetween('deploy_day', [q.from, q.to])
          .whereNotNull('lead_bucket'),
        'scope',
      )
        .groupBy('scope', changePeriod, 'lead_bucket')
        .select({
          scope: 'scope',
          period: changePeriod,
          bucket: 'lead_bucket',
          count: db.raw('COUNT(*)'),
        }),
      scoped(
        db(CHANGES)
          .whereBetween('deploy_day', [q.from, q.to])
          .whereNull('first_commit_at'),
        'scope',
      )
        .groupBy('scope')
        .select({ scope: 'scope', count: db.raw('COUNT(*)') }),
      scoped(
        db(CHANGES)
          .whereBetween('merge_day', [q.from, q.to])
          .andWhere(b =>
            b.whereNull('deploy_day').orWhere('deploy_day', '>', q.to),
          ),
        'scope',
      )
        .groupBy('scope')
        .select({ scope: 'scope', count: db.raw('COUNT(*)') }),
      scoped(
        db(INCIDENTS)
          .whereBetween('resolved_day', [q.from, q.to])
          .whereNotNull('recovery_bucket'),
        'component',
      )
        .groupBy('component', resolvedPeriod, 'recovery_bucket')
        .select({
          scope: 'component',
          period: resolvedPeriod,
          bucket: 'recovery_bucket',
          count: db.raw('COUNT(*)'),
        }),
      scoped(
        db(INCIDENTS)
          .whereBetween('open_day', [q.from, q.to])
          .andWhere(b =>
            b.whereNull('resolved_day').orWhere('resolved_day', '>', q.to),
          ),
        'component',
      )
        .groupBy('component')
        .select({ scope: 'component', count: db.raw('COUNT(*)') }),
    ]);

  for (const r of deployments) {
    const a = at(r.scope, r.period);
    a.deployments += n(r.deployments);
    a.failed += n(r.failed);
    a.byIncident += n(r.by_incident);
    a.byRollback += n(r.by_rollback);
    a.rework += n(r.rework);
  }
  for (const r of leads)
    addToHistogram(at(r.scope, r.period).lead, n(r.bucket), n(r.count));
  for (const r of withoutFirst)
    at(r.scope, '').withoutFirstCommit += n(r.count);
  for (const r of notDeployed) at(r.scope, '').notDeployed += n(r.count);
  for (const r of recovery)
    addToHistogram(at(r.scope, r.period).recovery, n(r.bucket), n(r.count));
  for (const r of open) at(r.scope, '').open += n(r.count);
  return out;
}

/** Fine histogram buckets merged per component and team (about ±5 %). */
export const COARSE = 5;

/** The fine bucket that stands for a coarse one (its middle). */
function coarseToFine(coarse: number): number {
  return coarse * COARSE + (coarse >= 0 ? 2 : -2);
}

export interface DeliveryAggs {
  /** Per scope, over the whole range; lead-time histograms coarse (±5 %). */
  perScope: Map<string, DeliveryAgg>;
  /** Per ISO week, all scopes; histograms fine (1 %). */
  perWeek: Map<string, DeliveryAgg>;
  /** The whole range, all scopes; histograms fine. */
  total: DeliveryAgg;
}

/**
 * The delivery report's reads: counts per (scope, week), lead-time buckets
 * per week (fine) and per scope (coarse: a range's changes of one component
 * share few fine buckets, so grouping on fine ones would return about one
 * row per change). Recovery buckets are few and stay fine.
 */
export async function readDeliveryAggs(
  db: Knex,
  q: Omit<AggQuery, 'period'>,
): Promise<DeliveryAggs> {
  const result: DeliveryAggs = {
    perScope: new Map(),
    perWeek: new Map(),
    total: emptyAgg(),
  };
  if (q.scopes && q.scopes.length === 0) return result;
  const scoped = (b: Knex.QueryBuilder, column: string) =>
    q.scopes ? b.whereIn(column, q.scopes) : b;
  const get = (map: Map<string, DeliveryAgg>, key: string | null) => {
    const k = key ?? '';
    if (!map.has(k)) map.set(k, emptyAgg());
    return map.get(k)!;
  };
  const yes = (column: string) =>
    db.raw(`SUM(CASE WHEN ${column} THEN 1 ELSE 0 END)`);
  const notNull = (column: string) =>
    db.raw(`SUM(CASE WHEN ${column} IS NOT NULL THEN 1 ELSE 0 END)`);
  const range = [q.from, q.to] as const;

  const [
    deployments,
    leadWeeks,
    leadScopes,
    withoutFirst,
    notDeployed,
    recovery,
    open,
  ] = await Promise.all([
    scoped(
      db(DEPLOYMENTS)
        .where({ production: true, status: 'success' })
        .whereBetween('day', range),
      'scope',
    )
      .groupBy('scope', 'week')
      .select({
        scope: 'scope',
        period: 'week',
        deployments: db.raw('COUNT(*)'),
        failed: yes('failed'),
        by_incident: notNull('failed_incident'),
        by_rollback: notNull('failed_rollback'),
        rework: yes('rework'),
      }),
    scoped(
      db(CHANGES).whereBetween('deploy_day', range).whereNotNull('lead_bucket'),
      'scope',
    )
      .groupBy('deploy_week', 'lead_bucket')
      .select({
        period: 'deploy_week',
        bucket: 'lead_bucket',
        count: db.raw('COUNT(*)'),
      }),
    scoped(
      db(CHANGES).whereBetween('deploy_day', range).whereNotNull('lead_bucket'),
      'scope',
    )
      .groupBy('scope', db.raw(`lead_bucket / ${COARSE}`))
      .select({
        scope: 'scope',
        coarse: db.raw(`lead_bucket / ${COARSE}`),
        count: db.raw('COUNT(*)'),
      }),
    scoped(
      db(CHANGES)
        .whereBetween('deploy_day', range)
        .whereNull('first_commit_at'),
      'scope',
    )
      .groupBy('scope')
      .select({ scope: 'scope', count: db.raw('COUNT(*)') }),
    scoped(
      db(CHANGES)
        .whereBetween('merge_day', range)
        .andWhere(b =>
          b.whereNull('deploy_day').orWhere('deploy_day', '>', q.to),
        ),
      'scope',
    )
      .groupBy('scope')
      .select({ scope: 'scope', count: db.raw('COUNT(*)') }),
    scoped(
      db(INCIDENTS)
        .whereBetween('resolved_day', range)
        .whereNotNull('recovery_bucket'),
      'component',
    )
      .groupBy('component', 'resolved_week', 'recovery_bucket')
      .select({
        scope: 'component',
        period: 'resolved_week',
        bucket: 'recovery_bucket',
        count: db.raw('COUNT(*)'),
      }),
    scoped(
      db(INCIDENTS)
        .whereBetween('open_day', range)
        .andWhere(b =>
          b.whereNull('resolved_day').orWhere('resolved_day', '>', q.to),
        ),
      'component',
    )
      .groupBy('component')
      .select({ scope: 'component', count: db.raw('COUNT(*)') }),
  ]);

  const { perScope, perWeek, total } = result;
  for (const r of deployments) {
    for (const a of [get(perScope, r.scope), get(perWeek, r.period), total]) {
      a.deployments += n(r.deployments);
      a.failed += n(r.failed);
      a.byIncident += n(r.by_incident);
      a.byRollback += n(r.by_rollback);
      a.rework += n(r.rework);
    }
  }
  for (const r of leadWeeks) {
    addToHistogram(get(perWeek, r.period).lead, n(r.bucket), n(r.count));
    addToHistogram(total.lead, n(r.bucket), n(r.count));
  }
  for (const r of leadScopes)
    addToHistogram(
      get(perScope, r.scope).lead,
      coarseToFine(n(r.coarse)),
      n(r.count),
    );
  for (const r of withoutFirst) {
    get(perScope, r.scope).withoutFirstCommit += n(r.count);
    total.withoutFirstCommit += n(r.count);
  }
  for (const r of notDeployed) {
    get(perScope, r.scope).notDeployed += n(r.count);
    total.notDeployed += n(r.count);
  }
  for (const r of recovery) {
    for (const a of [get(perScope, r.scope), get(perWeek, r.period), total])
      addToHistogram(a.recovery, n(r.bucket), n(r.count));
  }
  for (const r of open) {
    get(perScope, r.scope).open += n(r.count);
    total.open += n(r.count);
  }
  return result;
}
