/*
 * What the delivery index derives for the repos and scopes a chunk touched:
 * each change's deployment and lead time; each production deployment's
 * failure (incident or rollback) and rework, and the deployment each
 * incident is counted against.
 */
import { Knex } from 'knex';
import { bucketOf } from '../../rollups/histogram';
import { DirtyDays, markDay } from './indexDays';
import {
  CHANGES,
  DEPLOYMENTS,
  INCIDENTS,
  ms,
  upsertDerived,
} from './indexRows';

/**
 * A change not in production this many days before a new deployment is no
 * longer matched to it (merged to a branch that never ships, most likely).
 */
export const UNDEPLOYED_LOOKBACK_DAYS = 180;

/**
 * The first successful production deployment of `repo` created at or
 * after each change's merge, for the changes whose answer may have moved
 * since `since`.
 */
export async function deriveLeadTimes(
  trx: Knex.Transaction,
  repo: string,
  since: string,
  days: DirtyDays,
) {
  // Three indexed reads: merged since, deployed (created) since, and not
  // deployed yet but merged within the lookback (a change merged to a
  // branch that never ships must not make every pass read the repo).
  const columns = '*';
  const lookback = new Date(
    ms(since) - UNDEPLOYED_LOOKBACK_DAYS * 86_400_000,
  ).toISOString();
  const parts = await Promise.all([
    trx(CHANGES)
      .where('repo', repo)
      .andWhere('merged_at', '>=', since)
      .select(columns),
    trx(CHANGES)
      .where('repo', repo)
      .andWhere('deploy_created_at', '>=', since)
      .select(columns),
    trx(CHANGES)
      .where('repo', repo)
      .whereNull('deploy_created_at')
      .andWhere('merged_at', '>=', lookback)
      .select(columns),
  ]);
  const unique = new Map<string, any>();
  for (const row of parts.flat()) unique.set(row.subject, row);
  const changes = [...unique.values()].sort((a, b) =>
    a.merged_at < b.merged_at ? -1 : Number(a.merged_at > b.merged_at),
  );
  if (changes.length === 0) return;
  const deployments = await trx(DEPLOYMENTS)
    .where({ repo, production: true, status: 'success' })
    .andWhere('created_at', '>=', changes[0].merged_at)
    .orderBy([
      { column: 'created_at' },
      { column: 'time' },
      { column: 'subject' },
    ])
    .select('subject', 'created_at', 'time', 'day', 'week');
  const updates: Record<string, unknown>[] = [];
  let i = 0;
  for (const c of changes) {
    while (i < deployments.length && deployments[i].created_at < c.merged_at)
      i++;
    const d = deployments[i];
    const lead =
      d && c.first_commit_at
        ? (ms(d.time) - ms(c.first_commit_at)) / 1000
        : null;
    const next = {
      deployment: d?.subject ?? null,
      deployed_at: d?.time ?? null,
      deploy_created_at: d?.created_at ?? null,
      deploy_day: d?.day ?? null,
      deploy_week: d?.week ?? null,
      lead_seconds: lead !== null && lead >= 0 ? lead : null,
      lead_bucket: lead !== null && lead >= 0 ? bucketOf(lead) : null,
    };
    const changed =
      next.deployment !== c.deployment ||
      next.deployed_at !== c.deployed_at ||
      next.lead_seconds !==
        (c.lead_seconds === null ? null : Number(c.lead_seconds));
    if (changed) {
      updates.push({ ...c, ...next });
      markDay(days, c.scope, c.deploy_day);
      markDay(days, c.scope, next.deploy_day);
    }
  }
  await upsertDerived(trx, CHANGES, updates, [
    'deployment',
    'deployed_at',
    'deploy_created_at',
    'deploy_day',
    'deploy_week',
    'lead_seconds',
    'lead_bucket',
  ]);
}

/**
 * Failure (incident within the window before the next deployment, or
 * rollback) and rework (deployed during an open incident) of the
 * production deployments of `scope` from the one before `since` on, and
 * which deployment each incident is counted against.
 */
export async function deriveFailures(
  trx: Knex.Transaction,
  scope: string,
  since: string,
  windowMs: number,
  days: DirtyDays,
) {
  const base = () =>
    trx(DEPLOYMENTS).where({ scope, production: true, status: 'success' });
  const before = await base()
    .where('time', '<', since)
    .orderBy([
      { column: 'time', order: 'desc' },
      { column: 'subject', order: 'desc' },
    ])
    .limit(2)
    .select('subject', 'time', 'sha');
  const start = before.length ? before[before.length - 1].time : since;
  const deployments: Record<string, any>[] = await base()
    .where('time', '>=', start)
    .orderBy([{ column: 'time' }, { column: 'subject' }])
    .select();
  const changed: Record<string, unknown>[] = [];
  // Rows from the one just before `since` on are derived again.
  const firstDerived = before.length === 2 ? 1 : 0;
  const derivedFrom = deployments[firstDerived]?.time ?? since;
  const incidents: {
    subject: string;
    opened_at: string;
    resolved_at: string | null;
    deployment: string | null;
  }[] = await trx(INCIDENTS)
    .where('component', scope)
    .andWhere(q =>
      q.whereNull('resolved_at').orWhere('resolved_at', '>=', derivedFrom),
    )
    .orderBy('opened_at')
    .select('subject', 'opened_at', 'resolved_at', 'deployment');

  const incidentDeployment = new Map<string, string | null>();
  for (let k = firstDerived; k < deployments.length; k++) {
    const d = deployments[k];
    const prev = deployments[k - 1];
    const next = deployments[k + 1];
    const end = Math.min(
      next ? ms(next.time) : Infinity,
      ms(d.time) + windowMs,
    );
    const cause = incidents.find(
      inc => inc.opened_at >= d.time && ms(inc.opened_at) < end,
    );
    for (const inc of incidents) {
      if (inc.opened_at >= d.time && ms(inc.opened_at) < end)
        incidentDeployment.set(inc.subject, d.subject);
    }
    const rolledBack =
      next &&
      prev &&
      next.sha &&
      prev.sha &&
      d.sha !== prev.sha &&
      next.sha === prev.sha
        ? next.subject
        : null;
    const open = incidents.find(
      inc =>
        inc.opened_at <= d.time &&
        (inc.resolved_at === null || inc.resolved_at > d.time),
    );
    const derived = {
      failed: Boolean(cause || rolledBack),
      failed_incident: cause?.subject ?? null,
      failed_rollback: rolledBack,
      rework: Boolean(open),
      rework_incident: open?.subject ?? null,
    };
    const same =
      Boolean(d.failed) === derived.failed &&
      (d.failed_incident ?? null) === derived.failed_incident &&
      (d.failed_rollback ?? null) === derived.failed_rollback &&
      Boolean(d.rework) === derived.rework &&
      (d.rework_incident ?? null) === derived.rework_incident;
    if (!same) {
      changed.push({ ...d, ...derived });
      markDay(days, d.scope, d.day);
    }
  }
  await upsertDerived(trx, DEPLOYMENTS, changed, [
    'failed',
    'failed_incident',
    'failed_rollback',
    'rework',
    'rework_incident',
  ]);
  for (const inc of incidents) {
    if (inc.opened_at < derivedFrom) continue;
    const deployment = incidentDeployment.get(inc.subject) ?? null;
    if (deployment !== inc.deployment)
      await trx(INCIDENTS).where('subject', inc.subject).update({ deployment });
  }
}
