/*
 * What the delivery index derives for the repos and scopes a chunk touched:
 * each change's deployment and lead time; each production deployment's
 * failure (incident or rollback) and rework, and the deployment each
 * incident is counted against.
 */
import { Knex } from 'knex';
import { bucketOf } from '../../rollups/histogram';
import { RepoTouch, ScopeTouch } from './indexApply';
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

/** Rows per read of a repo's deployments while matching changes to them. */
const DEPLOYMENT_PAGE = 200;
/** Subjects per `IN (...)` (SQLite binds at most 999 parameters by default). */
const SUBJECT_CHUNK = 500;

/**
 * The first successful production deployment of `repo` created at or
 * after each change's merge, for the changes whose answer may have moved:
 * the chunk's own changes, and those merged between the last deployment
 * created before the first one written and the last one written (their
 * first deployment may be one of those). What was merged before `since`
 * is matched again only if it was deployed at or after it, or is not
 * deployed yet but merged within the lookback, as it always was.
 *
 * Each read is bounded by what the chunk touched, not by the history after
 * it: facts that arrive out of order (a backfill, re-deliveries) no longer
 * make every chunk read every later change of the repo again.
 */
export async function deriveLeadTimes(
  trx: Knex.Transaction,
  repo: string,
  touched: RepoTouch,
  days: DirtyDays,
) {
  const { since, deployedFrom, deployedTo } = touched;
  const lookback = new Date(
    ms(since) - UNDEPLOYED_LOOKBACK_DAYS * 86_400_000,
  ).toISOString();
  const production = () =>
    trx(DEPLOYMENTS).where({ repo, production: true, status: 'success' });
  const unique = new Map<string, any>();
  const subjects = [...touched.changes];
  for (let i = 0; i < subjects.length; i += SUBJECT_CHUNK) {
    // By key alone (with the repo too, SQLite would walk the repo's index).
    const rows = await trx(CHANGES)
      .whereIn('subject', subjects.slice(i, i + SUBJECT_CHUNK))
      .select('*');
    for (const row of rows) if (row.repo === repo) unique.set(row.subject, row);
  }
  if (deployedFrom !== undefined && deployedTo !== undefined) {
    // Merged after `after` and by `deployedTo`: first deployed by one of
    // the deployments written, or by the first one created after them.
    const [previous, following] = await Promise.all([
      production()
        .where('created_at', '<', deployedFrom)
        .orderBy('created_at', 'desc')
        .first('created_at'),
      production()
        .where('created_at', '>', deployedTo)
        .orderBy('created_at')
        .first('created_at'),
    ]);
    const after: string | undefined = previous?.created_at;
    const range = (q: Knex.QueryBuilder) =>
      (after === undefined ? q : q.andWhere('merged_at', '>', after)).andWhere(
        'merged_at',
        '<=',
        deployedTo,
      );
    // The three reads as before (merged since, deployed since, not deployed
    // but within the lookback), each within that stretch.
    const deployedSince = trx(CHANGES)
      .where('repo', repo)
      .andWhere('deploy_created_at', '>=', since);
    const parts = await Promise.all([
      range(
        trx(CHANGES).where('repo', repo).andWhere('merged_at', '>=', since),
      ).select('*'),
      range(
        following
          ? deployedSince.andWhere(
              'deploy_created_at',
              '<=',
              following.created_at,
            )
          : deployedSince,
      ).select('*'),
      range(
        trx(CHANGES)
          .where('repo', repo)
          .whereNull('deploy_created_at')
          .andWhere('merged_at', '>=', lookback),
      ).select('*'),
    ]);
    for (const row of parts.flat()) unique.set(row.subject, row);
  }
  const changes = [...unique.values()].sort((a, b) =>
    a.merged_at < b.merged_at ? -1 : Number(a.merged_at > b.merged_at),
  );
  if (changes.length === 0) return;
  // Each change's first deployment, a page of deployments at a time from
  // the first change not matched yet.
  const firstDeployment = new Map<string, Record<string, any> | undefined>();
  let i = 0;
  while (i < changes.length) {
    const page: Record<string, any>[] = await production()
      .where('created_at', '>=', changes[i].merged_at)
      .orderBy([
        { column: 'created_at' },
        { column: 'time' },
        { column: 'subject' },
      ])
      .limit(DEPLOYMENT_PAGE)
      .select('subject', 'created_at', 'time', 'day', 'week');
    const complete = page.length < DEPLOYMENT_PAGE;
    const last = page[page.length - 1]?.created_at;
    let j = 0;
    while (i < changes.length && (complete || changes[i].merged_at <= last)) {
      const c = changes[i];
      while (j < page.length && page[j].created_at < c.merged_at) j++;
      firstDeployment.set(c.subject, page[j]);
      i++;
    }
  }
  const updates: Record<string, unknown>[] = [];
  for (const c of changes) {
    const d = firstDeployment.get(c.subject);
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
 * production deployments of `scope` from the one before `since` to the one
 * after `until` (a deployment's failure and rollback depend on its
 * neighbours only), and which deployment each incident is counted against.
 * With `until` null (an open incident was touched: its rework runs on),
 * every deployment from there on.
 */
export async function deriveFailures(
  trx: Knex.Transaction,
  scope: string,
  { since, until }: ScopeTouch,
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
  const byTime = [{ column: 'time' }, { column: 'subject' }];
  const deployments: Record<string, any>[] = await base()
    .where('time', '>=', start)
    .modify(q => {
      if (until !== null) q.andWhere('time', '<=', until);
    })
    .orderBy(byTime)
    .select();
  /** Past the last derived row: its next one, read for its window. */
  let context: Record<string, any> | undefined;
  if (until !== null) {
    // The first one after `until` is derived too (its previous one may
    // have changed), the second is its next.
    const later = await base()
      .where('time', '>', until)
      .orderBy(byTime)
      .limit(2)
      .select();
    deployments.push(...later.slice(0, 1));
    context = later[1];
  }
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
    .modify(q => {
      // Opened after the last derived row's window: not its business.
      if (context) q.andWhere('opened_at', '<', context.time);
    })
    .orderBy('opened_at')
    .select('subject', 'opened_at', 'resolved_at', 'deployment');
  // In text order whatever the database's collation (stable: ties keep theirs).
  incidents.sort((a, b) =>
    a.opened_at < b.opened_at ? -1 : Number(a.opened_at > b.opened_at),
  );

  const incidentDeployment = new Map<string, string | null>();
  // Times are stored as toISOString(): their text order is their order.
  // Deployments come in time order, so the first incident opened at or
  // after each one only moves forward.
  let opened = 0;
  for (let k = firstDerived; k < deployments.length; k++) {
    const d = deployments[k];
    const prev = deployments[k - 1];
    const next = deployments[k + 1] ?? context;
    const end = Math.min(
      next ? ms(next.time) : Infinity,
      ms(d.time) + windowMs,
    );
    while (opened < incidents.length && incidents[opened].opened_at < d.time)
      opened++;
    // The incidents opened in its window count against it, the first one
    // is its failure.
    let cause: (typeof incidents)[number] | undefined;
    for (
      let x = opened;
      x < incidents.length && ms(incidents[x].opened_at) < end;
      x++
    ) {
      cause ??= incidents[x];
      incidentDeployment.set(incidents[x].subject, d.subject);
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
    // Open at its time: the first one opened by then and not resolved.
    let open: (typeof incidents)[number] | undefined;
    for (let x = 0; x < incidents.length && !open; x++) {
      const inc = incidents[x];
      if (inc.opened_at > d.time) break;
      if (inc.resolved_at === null || inc.resolved_at > d.time) open = inc;
    }
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
