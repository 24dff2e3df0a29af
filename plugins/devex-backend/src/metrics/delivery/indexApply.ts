/*
 * The delivery index's rows from one chunk of facts: the latest status of
 * each deployment, one row per change and per incident (each noting the
 * repos and scopes whose derived columns must be derived again), and the
 * first adoption of the platform per component and team.
 */
import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { ReportingCalendar, weekOf } from '../../rollups/days';
import { bucketOf } from '../../rollups/histogram';
import { DirtyDays, markDay } from './indexDays';
import {
  ADOPTION,
  Attrs,
  bool,
  CHANGES,
  DEPLOYMENTS,
  FactRow,
  INCIDENTS,
  iso,
  lower,
  ms,
  newer,
  text,
  upsert,
} from './indexRows';

/** What a chunk's rows touched in one repo (lead times). */
export interface RepoTouch {
  /** The earliest time touched: changes merged before it keep their deployment. */
  since: string;
  /** The changes written (each looks its deployment up again). */
  changes: Set<string>;
  /** The first and last created_at of the deployments written, before and after. */
  deployedFrom?: string;
  deployedTo?: string;
}

/** What a chunk's rows touched in one scope (failure and rework). */
export interface ScopeTouch {
  /** The earliest time touched (a deployment's, an incident's opening). */
  since: string;
  /**
   * The latest: a deployment's time, an incident's resolution; null when an
   * incident touched is open (its rework runs on with every deployment).
   */
  until: string | null;
}

/**
 * Where a chunk's rows touched: per repo and per scope, the stretch of time
 * whose derived values may have changed (the rest of the history keeps them).
 */
export interface Touched {
  repos: Map<string, RepoTouch>;
  scopes: Map<string, ScopeTouch>;
  /** The (scope, day)s of the per-day rollup to compute again. */
  days: DirtyDays;
}

function repoTouch(repos: Map<string, RepoTouch>, repo: string, time: string) {
  let t = repos.get(repo);
  if (!t) repos.set(repo, (t = { since: time, changes: new Set() }));
  else if (time < t.since) t.since = time;
  return t;
}

/** A deployment of `repo` created at `createdAt` was written or replaced. */
export function touchDeployment(
  repos: Map<string, RepoTouch>,
  repo: string,
  createdAt: string,
) {
  const t = repoTouch(repos, repo, createdAt);
  if (t.deployedFrom === undefined || createdAt < t.deployedFrom)
    t.deployedFrom = createdAt;
  if (t.deployedTo === undefined || createdAt > t.deployedTo)
    t.deployedTo = createdAt;
}

/** A change of `repo` merged at `mergedAt` was written (or left the repo). */
export function touchChange(
  repos: Map<string, RepoTouch>,
  repo: string,
  mergedAt: string,
  subject?: string,
) {
  const t = repoTouch(repos, repo, mergedAt);
  if (subject !== undefined) t.changes.add(subject);
}

/** Times from `from` to `until` (null: on and on) of `scope` were touched. */
export function touchScope(
  scopes: Map<string, ScopeTouch>,
  scope: string,
  from: string,
  until: string | null,
) {
  const t = scopes.get(scope);
  if (!t) {
    scopes.set(scope, { since: from, until });
    return;
  }
  if (from < t.since) t.since = from;
  if (t.until !== null && (until === null || until > t.until)) t.until = until;
}

/** Deployments: the latest status of each subject. */
export async function applyDeployments(
  trx: Knex.Transaction,
  calendar: ReportingCalendar,
  deployments: FactRow[],
  { repos, scopes, days }: Touched,
): Promise<void> {
  const existing = new Map<string, Record<string, any>>(
    (
      await trx(DEPLOYMENTS)
        .whereIn('subject', [...new Set(deployments.map(r => r.subject!))])
        .select()
    ).map(r => [r.subject, r]),
  );
  const out = new Map<string, Record<string, unknown>>();
  for (const r of deployments) {
    const a = JSON.parse(r.attributes) as Attrs;
    const old = out.get(r.subject!) ?? existing.get(r.subject!);
    if (old && !newer(r.time, r.id, old as any)) continue;
    const repo = `${text(a.provider) ?? 'unknown'}:${text(a.repo) ?? ''}`;
    const component = r.entity_ref ? lower(r.entity_ref) : null;
    const day = calendar.dayOf(r.time);
    const row = {
      subject: r.subject!,
      fact_id: r.id,
      repo,
      component,
      scope: component ?? repo,
      environment: text(a.environment) ?? '',
      production: bool(a.production),
      status: text(a.status) ?? '',
      sha: text(a.sha),
      url: text(a.url),
      actor: r.actor,
      time: r.time,
      created_at: iso(a.createdAt) ?? r.time,
      day,
      week: weekOf(day),
      failed: false,
      failed_incident: null,
      failed_rollback: null,
      rework: false,
      rework_incident: null,
    };
    for (const prev of [old, row]) {
      if (!prev) continue;
      touchDeployment(repos, String(prev.repo), String(prev.created_at));
      touchScope(
        scopes,
        String(prev.scope),
        String(prev.time),
        String(prev.time),
      );
      markDay(days, prev.scope, prev.day);
    }
    out.set(row.subject, row);
  }
  await upsert(trx, DEPLOYMENTS, 'subject', [...out.values()]);
}

/** Changes: one per subject; later facts fill what earlier ones lacked. */
export async function applyChanges(
  trx: Knex.Transaction,
  calendar: ReportingCalendar,
  changes: FactRow[],
  { repos, days }: Touched,
): Promise<void> {
  const existing = new Map<string, Record<string, any>>(
    (
      await trx(CHANGES)
        .whereIn('subject', [...new Set(changes.map(r => r.subject!))])
        .select()
    ).map(r => [r.subject, r]),
  );
  const out = new Map<string, Record<string, unknown>>();
  for (const r of changes) {
    const a = JSON.parse(r.attributes) as Attrs;
    const old = out.get(r.subject!) ?? existing.get(r.subject!);
    const repo = `${text(a.provider) ?? 'unknown'}:${text(a.repo) ?? ''}`;
    const component = r.entity_ref ? lower(r.entity_ref) : null;
    const row: Record<string, unknown> = {
      subject: r.subject!,
      fact_id: r.id,
      repo,
      component,
      scope: component ?? repo,
      number: typeof a.number === 'number' ? a.number : null,
      url: text(a.url),
      actor: r.actor,
      merged_at: r.time,
      merge_day: calendar.dayOf(r.time),
      first_commit_at: iso(a.firstCommitAt),
      merge_sha: text(a.mergeSha),
      deployment: old?.deployment ?? null,
      deployed_at: old?.deployed_at ?? null,
      deploy_created_at: old?.deploy_created_at ?? null,
      deploy_day: old?.deploy_day ?? null,
      deploy_week: old?.deploy_week ?? null,
      lead_seconds: old?.lead_seconds ?? null,
      lead_bucket: old?.lead_bucket ?? null,
    };
    if (old) {
      for (const k of ['first_commit_at', 'merge_sha', 'url', 'actor'])
        if (row[k] === null) row[k] = old[k] ?? null;
      if (row.component === null && old.component) {
        row.component = old.component;
        row.scope = old.component;
      }
    }
    touchChange(repos, repo, String(row.merged_at), r.subject!);
    if (old) touchChange(repos, String(old.repo), String(old.merged_at));
    // Its deployment day's lead times (scope and first commit may change).
    markDay(days, row.scope, row.deploy_day);
    if (old) markDay(days, old.scope, old.deploy_day);
    out.set(r.subject!, row);
  }
  await upsert(trx, CHANGES, 'subject', [...out.values()]);
}

/** Incidents: first opening, latest opening, resolution after it. */
export async function applyIncidents(
  trx: Knex.Transaction,
  calendar: ReportingCalendar,
  incidents: FactRow[],
  { scopes }: Touched,
): Promise<void> {
  const existing = new Map<string, Record<string, any>>(
    (
      await trx(INCIDENTS)
        .whereIn('subject', [...new Set(incidents.map(r => r.subject!))])
        .select()
    ).map(r => [r.subject, r]),
  );
  const out = new Map<string, Record<string, any>>();
  for (const r of incidents) {
    const a = JSON.parse(r.attributes) as Attrs;
    const old = out.get(r.subject!) ?? existing.get(r.subject!);
    const resolved = r.kind === DevexFactKind.deliveryIncidentResolved;
    const openedAt = resolved
      ? iso(a.openedAt) ??
        (r.value !== null
          ? new Date(ms(r.time) - Number(r.value) * 1000).toISOString()
          : r.time)
      : r.time;
    const row: Record<string, any> = old
      ? { ...old }
      : {
          subject: r.subject!,
          fact_id: r.id,
          component: null,
          title: null,
          url: null,
          severity: null,
          opened_at: openedAt,
          last_opened_at: openedAt,
          resolved_at: null,
          deployment: null,
        };
    row.fact_id = Math.max(Number(row.fact_id), r.id);
    if (r.entity_ref) row.component = lower(r.entity_ref);
    row.title = text(a.title) ?? row.title;
    row.url = text(a.url) ?? row.url;
    row.severity = text(a.severity) ?? row.severity;
    if (openedAt < row.opened_at) row.opened_at = openedAt;
    if (!resolved && openedAt > row.last_opened_at)
      row.last_opened_at = openedAt;
    if (resolved) {
      const at = iso(a.resolvedAt) ?? r.time;
      if (!row.resolved_at || at > row.resolved_at) row.resolved_at = at;
    }
    // Reopened after its resolution: open again.
    if (row.resolved_at && row.resolved_at < row.last_opened_at)
      row.resolved_at = null;
    if (old?.component)
      touchScope(scopes, old.component, old.opened_at, old.resolved_at ?? null);
    out.set(r.subject!, row);
  }
  const final = [...out.values()].map(row => {
    const openDay = calendar.dayOf(row.opened_at);
    const resolvedDay = row.resolved_at
      ? calendar.dayOf(row.resolved_at)
      : null;
    const recovery = row.resolved_at
      ? Math.max(0, (ms(row.resolved_at) - ms(row.opened_at)) / 1000)
      : null;
    if (row.component)
      touchScope(scopes, row.component, row.opened_at, row.resolved_at ?? null);
    return {
      subject: row.subject,
      fact_id: Number(row.fact_id),
      component: row.component,
      title: row.title,
      url: row.url,
      severity: row.severity,
      opened_at: row.opened_at,
      open_day: openDay,
      last_opened_at: row.last_opened_at,
      resolved_at: row.resolved_at,
      resolved_day: resolvedDay,
      resolved_week: resolvedDay ? weekOf(resolvedDay) : null,
      recovery_seconds: recovery,
      recovery_bucket: recovery === null ? null : bucketOf(recovery),
      deployment: row.deployment ?? null,
    };
  });
  await upsert(trx, INCIDENTS, 'subject', final);
}

/** First golden-path run per component and team; first platform request per team. */
export async function applyAdoption(trx: Knex.Transaction, rows: FactRow[]) {
  const firsts = new Map<
    string,
    { kind: string; ref: string; at: string; by: string }
  >();
  const add = (kind: string, ref: string, at: string, by: string) => {
    const key = `${kind}\u0000${ref}`;
    const f = firsts.get(key);
    if (!f || at < f.at) firsts.set(key, { kind, ref, at, by });
  };
  for (const r of rows) {
    const a = JSON.parse(r.attributes) as Attrs;
    const teams = (JSON.parse(r.teams) as string[]).map(lower);
    if (r.kind === DevexFactKind.goldenPathRun) {
      if (a.status !== 'completed') continue;
      if (r.entity_ref)
        add('component', lower(r.entity_ref), r.time, 'golden-path');
      for (const t of teams) add('team', t, r.time, 'golden-path');
    } else if (r.kind === DevexFactKind.platformRequested) {
      const owner = text(a.owner);
      const refs = new Set(teams);
      if (owner && owner.toLocaleLowerCase('en-US').startsWith('group:'))
        refs.add(lower(owner));
      for (const t of refs) add('team', t, r.time, 'platform-resource');
    }
  }
  if (firsts.size === 0) return;
  const existing = await trx(ADOPTION)
    .whereIn('ref', [...new Set([...firsts.values()].map(f => f.ref))])
    .select();
  const have = new Map(existing.map(e => [`${e.kind}\u0000${e.ref}`, e]));
  const out = [...firsts.entries()]
    .filter(([key, f]) => {
      const e = have.get(key);
      return !e || f.at < e.first_at;
    })
    .map(([, f]) => ({
      kind: f.kind,
      ref: f.ref,
      first_at: f.at,
      first_by: f.by,
    }));
  await upsert(trx, ADOPTION, ['kind', 'ref'], out);
}
