import { InputError } from '@backstage/errors';
import {
  DeliveryChangeEvidence,
  DeliveryDeploymentEvidence,
  DeliveryEvidenceKind,
  DeliveryEvidencePage,
  DeliveryEvidenceQuery,
  DeliveryIncidentEvidence,
} from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { CHANGES, DEPLOYMENTS, INCIDENTS } from './DeliveryIndex';

export const EVIDENCE_KINDS: DeliveryEvidenceKind[] = [
  'deployments',
  'changes',
  'incidents',
];
export const DEFAULT_EVIDENCE_LIMIT = 100;
export const MAX_EVIDENCE_LIMIT = 500;

export function evidenceKind(value: unknown): DeliveryEvidenceKind {
  if (!EVIDENCE_KINDS.includes(value as DeliveryEvidenceKind)) {
    throw new InputError(`kind: must be one of ${EVIDENCE_KINDS.join(', ')}`);
  }
  return value as DeliveryEvidenceKind;
}

export function evidenceLimit(value: unknown): number {
  if (value === undefined || value === '') return DEFAULT_EVIDENCE_LIMIT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_EVIDENCE_LIMIT) {
    throw new InputError(
      `limit: must be a whole number from 1 to ${MAX_EVIDENCE_LIMIT}`,
    );
  }
  return n;
}

/** The position after the last item of a page: its sort time and subject. */
function encodeCursor(time: string, subject: string): string {
  return Buffer.from(JSON.stringify([time, subject])).toString('base64url');
}

export function decodeCursor(value: unknown): [string, string] | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const parsed = JSON.parse(
      Buffer.from(String(value), 'base64url').toString('utf8'),
    );
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      parsed.every(p => typeof p === 'string')
    ) {
      return parsed as [string, string];
    }
  } catch {
    // answered below
  }
  throw new InputError('after: not a cursor this endpoint returned (next)');
}

const opt = <T>(v: T | null | undefined): T | undefined =>
  v === null || v === undefined ? undefined : v;

/**
 * The facts behind the delivery figures, newest first: the production
 * deployments counted (by deployment day), the changes deployed or merged
 * but not deployed in the range, the incidents opened or resolved in it.
 * `withPeople` adds who deployed / authored (devex admins only).
 */
/** The start of `day` + `plus` days in UTC, widened by 14 h (any time zone). */
function dayBound(day: string, plus: number): string {
  const t = Date.parse(`${day}T00:00:00.000Z`) + plus * 86_400_000;
  return new Date(t + (plus > 0 ? 14 : -14) * 3_600_000).toISOString();
}

export async function deliveryEvidence(
  db: Knex,
  query: DeliveryEvidenceQuery,
  scopes: string[] | undefined,
  withPeople: boolean,
): Promise<DeliveryEvidencePage> {
  const limit = query.limit ?? DEFAULT_EVIDENCE_LIMIT;
  const after = decodeCursor(query.after);
  const { from, to } = query;
  if (scopes && scopes.length === 0) return { query, items: [] };
  const page = <T extends Knex.QueryBuilder>(
    b: T,
    timeColumn: string,
    scopeColumn: string,
  ) => {
    if (scopes) b.whereIn(scopeColumn, scopes);
    if (after) {
      b.andWhere(q =>
        q
          .where(timeColumn, '<', after[0])
          .orWhere(qq =>
            qq.where(timeColumn, after[0]).andWhere('subject', '<', after[1]),
          ),
      );
    }
    return b
      .orderBy([
        { column: timeColumn, order: 'desc' },
        { column: 'subject', order: 'desc' },
      ])
      .limit(limit + 1);
  };
  const finish = <T>(rows: any[], timeColumn: string, map: (r: any) => T) => {
    const more = rows.length > limit;
    const shown = rows.slice(0, limit);
    const last = shown[shown.length - 1];
    return {
      query,
      items: shown.map(map) as DeliveryEvidencePage['items'],
      ...(more && last
        ? { next: encodeCursor(last[timeColumn], last.subject) }
        : {}),
    };
  };

  if (query.kind === 'deployments') {
    const rows = await page(
      db(DEPLOYMENTS)
        .where({ production: true, status: 'success' })
        .whereBetween('day', [from, to])
        // The same range in time, loosely (any time zone), so the newest
        // first is an index range on (production, status, time).
        .andWhere('time', '>=', dayBound(from, 0))
        .andWhere('time', '<', dayBound(to, 1)),
      'time',
      'scope',
    ).select();
    const counts = new Map<string, number>();
    if (rows.length) {
      const c = await db(CHANGES)
        .whereIn(
          'deployment',
          rows.map((r: { subject: string }) => r.subject),
        )
        .groupBy('deployment')
        .select('deployment', db.raw('COUNT(*) as n'));
      for (const r of c) counts.set(r.deployment, Number(r.n));
    }
    return finish(rows, 'time', (r): DeliveryDeploymentEvidence => {
      const failed = Boolean(r.failed);
      return {
        factId: Number(r.fact_id),
        subject: r.subject,
        ...(r.component ? { component: r.component } : {}),
        repo: r.repo,
        environment: r.environment,
        status: r.status,
        sha: opt(r.sha),
        url: opt(r.url),
        time: r.time,
        failed,
        failedBy: failed
          ? {
              ...(r.failed_incident ? { incident: r.failed_incident } : {}),
              ...(r.failed_rollback ? { rollback: r.failed_rollback } : {}),
            }
          : null,
        rework: Boolean(r.rework),
        reworkFor: opt(r.rework_incident),
        changes: counts.get(r.subject) ?? 0,
        ...(withPeople && r.actor ? { actor: r.actor } : {}),
      };
    });
  }

  if (query.kind === 'changes') {
    const rows = await page(
      db(CHANGES).where(q =>
        q
          .whereBetween('deploy_day', [from, to])
          .orWhere(qq =>
            qq
              .whereBetween('merge_day', [from, to])
              .andWhere(b =>
                b.whereNull('deploy_day').orWhere('deploy_day', '>', to),
              ),
          ),
      ),
      'merged_at',
      'scope',
    ).select();
    return finish(
      rows,
      'merged_at',
      (r): DeliveryChangeEvidence => ({
        factId: Number(r.fact_id),
        subject: r.subject,
        ...(r.component ? { component: r.component } : {}),
        repo: r.repo,
        number: opt(r.number === null ? null : Number(r.number)),
        url: opt(r.url),
        mergedAt: r.merged_at,
        firstCommitAt: opt(r.first_commit_at),
        mergeSha: opt(r.merge_sha),
        deployedAt: opt(r.deployed_at),
        deployment: opt(r.deployment),
        leadTimeSeconds: opt(
          r.lead_seconds === null ? null : Number(r.lead_seconds),
        ),
        ...(withPeople && r.actor ? { actor: r.actor } : {}),
      }),
    );
  }

  const rows = await page(
    db(INCIDENTS).where(q =>
      q
        .whereBetween('open_day', [from, to])
        .orWhereBetween('resolved_day', [from, to]),
    ),
    'opened_at',
    'component',
  ).select();
  return finish(
    rows,
    'opened_at',
    (r): DeliveryIncidentEvidence => ({
      subject: r.subject,
      ...(r.component ? { component: r.component } : {}),
      title: opt(r.title),
      url: opt(r.url),
      severity: opt(r.severity),
      openedAt: r.opened_at,
      resolvedAt: opt(r.resolved_at),
      recoverySeconds: opt(
        r.recovery_seconds === null ? null : Number(r.recovery_seconds),
      ),
      deployment: opt(r.deployment),
    }),
  );
}
