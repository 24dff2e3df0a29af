import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { ReportingCalendar, weekOf } from '../../rollups/days';
import { bucketOf } from '../../rollups/histogram';

export const DEPLOYMENTS = 'devex_delivery_deployments';
export const CHANGES = 'devex_delivery_changes';
export const INCIDENTS = 'devex_delivery_incidents';
export const ADOPTION = 'devex_delivery_adoption';

const CURSOR_SOURCE = 'delivery-index';
const CURSOR_KEY = 'facts/after';
/** Fact ids read per transaction. */
const CHUNK = 2000;
/**
 * Facts received in the last 30 s are read again on the next catch-up:
 * concurrent writers may commit a lower id after a higher one. Reading a
 * fact twice changes nothing.
 */
const SETTLE_MS = 30_000;
const WRITE_BATCH = 200;
/**
 * A change not in production this many days before a new deployment is no
 * longer matched to it (merged to a branch that never ships, most likely).
 */
export const UNDEPLOYED_LOOKBACK_DAYS = 180;

const KINDS = [
  DevexFactKind.deliveryChangeMerged,
  DevexFactKind.deliveryDeployment,
  DevexFactKind.deliveryIncidentOpened,
  DevexFactKind.deliveryIncidentResolved,
  DevexFactKind.goldenPathRun,
  DevexFactKind.platformRequested,
];

export interface DeliveryIndexOptions {
  /** How long after a production deployment an incident counts against it. */
  failureWindowHours: number;
  now?: () => number;
}

interface FactRow {
  id: number;
  kind: string;
  time: string;
  actor: string | null;
  teams: string;
  entity_ref: string | null;
  subject: string | null;
  value: number | null;
  attributes: string;
  received_at: string;
}

type Attrs = Record<string, unknown>;

const lower = (ref: string) => ref.toLocaleLowerCase('en-US');
const text = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? v : null;
const iso = (v: unknown): string | null => {
  const s = text(v);
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};
const ms = (t: string) => Date.parse(t);
const bool = (v: unknown) => v === true || v === 1 || v === '1' || v === 't';

/** Whether fact a supersedes row b (later time; a later id breaks ties). */
function newer(
  time: string,
  id: number,
  row: { time: string; fact_id: unknown },
) {
  return time > row.time || (time === row.time && id >= Number(row.fact_id));
}

/** Writes derived columns of whole rows read before, in a few statements. */
async function upsertDerived(
  trx: Knex.Transaction,
  table: string,
  rows: Record<string, unknown>[],
  columns: string[],
) {
  for (let i = 0; i < rows.length; i += WRITE_BATCH) {
    await trx(table)
      .insert(rows.slice(i, i + WRITE_BATCH))
      .onConflict('subject')
      .merge(columns);
  }
}

async function upsert(
  trx: Knex.Transaction,
  table: string,
  key: string | string[],
  rows: Record<string, unknown>[],
) {
  for (let i = 0; i < rows.length; i += WRITE_BATCH) {
    await trx(table)
      .insert(rows.slice(i, i + WRITE_BATCH))
      .onConflict(key as string)
      .merge();
  }
}

/**
 * Keeps the delivery tables (devex_delivery_*) from the fact store: every
 * delivery.* fact (and the golden-path runs and platform requests that say
 * when a component or team adopted the platform) is read once through a
 * cursor, its subject's row is upserted (the latest status of a deployment
 * wins), and what depends on it is derived again for the affected repos and
 * components only:
 *
 * - a change's deployment: the first successful production deployment of
 *   its repo created at or after the merge (so it contains the change), and
 *   the lead time from the change's first commit to that deployment;
 * - a production deployment's failure: an incident on its component opened
 *   after it, before the next production deployment and within the failure
 *   window; or a rollback (the next production deployment ships the sha of
 *   the one before it);
 * - rework: a production deployment made while an incident on its
 *   component was open.
 *
 * Reports call `catchUp()` before they read, so they see every fact
 * committed before the request; a schedule keeps it warm.
 */
export class DeliveryIndex {
  private running?: Promise<void>;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly sqlite: boolean;

  constructor(
    private readonly db: Knex,
    private readonly calendar: ReportingCalendar,
    options: DeliveryIndexOptions,
  ) {
    this.windowMs = options.failureWindowHours * 3_600_000;
    this.now = options.now ?? Date.now;
    this.sqlite = String(db.client.config.client).includes('sqlite');
  }

  /** Reads every fact stored so far; concurrent callers share one run. */
  catchUp(): Promise<void> {
    if (!this.running) {
      this.running = this.run().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async run(): Promise<void> {
    const top = await this.db('devex_facts').max('id as max').first();
    const max = Number(top?.max ?? 0);
    let after = await this.readCursor(this.db);
    while (after < max) {
      const from = after;
      after = await this.db.transaction(trx => this.chunk(trx, from, max));
    }
  }

  private async readCursor(db: Knex | Knex.Transaction): Promise<number> {
    const row = await db('devex_cursors')
      .where({ source: CURSOR_SOURCE, key: CURSOR_KEY })
      .first('value');
    return row ? Number(JSON.parse(row.value)) : 0;
  }

  /** Reads the facts after `after` (up to CHUNK ids); returns where it got to. */
  private async chunk(
    trx: Knex.Transaction,
    from: number,
    max: number,
  ): Promise<number> {
    // The cursor row is the lock that serializes catch-ups across replicas.
    const now = new Date(this.now()).toISOString();
    await trx('devex_cursors')
      .insert({
        source: CURSOR_SOURCE,
        key: CURSOR_KEY,
        value: JSON.stringify(0),
        updated_at: now,
      })
      .onConflict(['source', 'key'])
      .ignore();
    const cursor = trx('devex_cursors').where({
      source: CURSOR_SOURCE,
      key: CURSOR_KEY,
    });
    // SQLite has one writer at a time; PostgreSQL locks the row.
    const locked = await (this.sqlite ? cursor : cursor.forUpdate()).first(
      'value',
    );
    const stored = Number(JSON.parse(locked.value));
    // Another replica may have moved it; re-read what it has not settled.
    const after = Math.min(from, stored);
    const upTo = Math.min(after + CHUNK, max);
    const rows: FactRow[] = await trx('devex_facts')
      .where('id', '>', after)
      .andWhere('id', '<=', upTo)
      .whereIn('kind', KINDS)
      .orderBy('id')
      .select(
        'id',
        'kind',
        'time',
        'actor',
        'teams',
        'entity_ref',
        'subject',
        'value',
        'attributes',
        'received_at',
      );
    await this.apply(trx, rows);
    // Settled: everything up to the first fact received too recently.
    const settleBefore = new Date(this.now() - SETTLE_MS).toISOString();
    const recent = await trx('devex_facts')
      .where('id', '>', after)
      .andWhere('id', '<=', upTo)
      .andWhere('received_at', '>', settleBefore)
      .min('id as min')
      .first();
    const firstRecent =
      recent?.min === null || recent?.min === undefined
        ? undefined
        : Number(recent.min);
    const settled = Math.max(
      stored,
      firstRecent === undefined ? upTo : firstRecent - 1,
    );
    await trx('devex_cursors')
      .where({ source: CURSOR_SOURCE, key: CURSOR_KEY })
      .update({ value: JSON.stringify(settled), updated_at: now });
    return upTo;
  }

  private async apply(trx: Knex.Transaction, rows: FactRow[]): Promise<void> {
    if (rows.length === 0) return;
    /** repo → earliest time whose changes may have a new deployment. */
    const repos = new Map<string, string>();
    /** scope → earliest time whose failure / rework may have changed. */
    const scopes = new Map<string, string>();
    const touch = (map: Map<string, string>, key: string, time: string) => {
      const t = map.get(key);
      if (t === undefined || time < t) map.set(key, time);
    };

    const bySubject = (kind: string) =>
      rows.filter(r => r.kind === kind && r.subject);
    const deployments = bySubject(DevexFactKind.deliveryDeployment);
    const changes = bySubject(DevexFactKind.deliveryChangeMerged);
    const incidents = rows.filter(
      r =>
        (r.kind === DevexFactKind.deliveryIncidentOpened ||
          r.kind === DevexFactKind.deliveryIncidentResolved) &&
        r.subject,
    );

    // Deployments: the latest status of each subject.
    if (deployments.length) {
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
        const day = this.calendar.dayOf(r.time);
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
          touch(repos, String(prev.repo), String(prev.created_at));
          touch(scopes, String(prev.scope), String(prev.time));
        }
        out.set(row.subject, row);
      }
      await upsert(trx, DEPLOYMENTS, 'subject', [...out.values()]);
    }

    // Changes: one per subject; later facts fill what earlier ones lacked.
    if (changes.length) {
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
          merge_day: this.calendar.dayOf(r.time),
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
        touch(repos, repo, String(row.merged_at));
        if (old) touch(repos, String(old.repo), String(old.merged_at));
        out.set(r.subject!, row);
      }
      await upsert(trx, CHANGES, 'subject', [...out.values()]);
    }

    // Incidents: first opening, latest opening, resolution after it.
    if (incidents.length) {
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
        if (old?.component) touch(scopes, old.component, old.opened_at);
        out.set(r.subject!, row);
      }
      const final = [...out.values()].map(row => {
        const openDay = this.calendar.dayOf(row.opened_at);
        const resolvedDay = row.resolved_at
          ? this.calendar.dayOf(row.resolved_at)
          : null;
        const recovery = row.resolved_at
          ? Math.max(0, (ms(row.resolved_at) - ms(row.opened_at)) / 1000)
          : null;
        if (row.component) touch(scopes, row.component, row.opened_at);
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

    await this.applyAdoption(trx, rows);

    for (const [repo, since] of repos)
      await this.deriveLeadTimes(trx, repo, since);
    for (const [scope, since] of scopes)
      await this.deriveFailures(trx, scope, since);
  }

  /** First golden-path run per component and team; first platform request per team. */
  private async applyAdoption(trx: Knex.Transaction, rows: FactRow[]) {
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

  /**
   * The first successful production deployment of `repo` created at or
   * after each change's merge, for the changes whose answer may have moved
   * since `since`.
   */
  private async deriveLeadTimes(
    trx: Knex.Transaction,
    repo: string,
    since: string,
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
      if (changed) updates.push({ ...c, ...next });
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
  private async deriveFailures(
    trx: Knex.Transaction,
    scope: string,
    since: string,
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
        ms(d.time) + this.windowMs,
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
      if (!same) changed.push({ ...d, ...derived });
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
        await trx(INCIDENTS)
          .where('subject', inc.subject)
          .update({ deployment });
    }
  }
}
