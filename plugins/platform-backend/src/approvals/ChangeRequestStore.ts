import { ConflictError } from '@backstage/errors';
import {
  ApprovalReason,
  ChangeRequest,
  ChangeRequestChange,
  ChangeRequestOperation,
  ChangeRequestStatus,
} from '@trellis/backstage-plugin-platform-common';
import { Knex } from 'knex';
import { isUniqueViolation } from '../database/knexHelpers';

const TABLE = 'platform_change_requests';

/** A change request as it is stored (its `message` is made on read). */
export type StoredChangeRequest = Omit<ChangeRequest, 'message'>;

/** What a new change request records. */
export interface NewChangeRequest {
  operation: ChangeRequestOperation;
  reasons: ApprovalReason[];
  resource: ChangeRequest['resource'];
  change: ChangeRequestChange;
  baseGeneration?: number;
  requestedBy: string;
  requestedByType: 'user' | 'service';
  via?: string;
  createdAt: string;
  expiresAt: string;
  /** For creates: the caller's Idempotency-Key and the request's hash. */
  idempotency?: { key: string; requestHash: string };
}

/** Filters of the list, newest first. */
export interface ChangeRequestFilter {
  status?: ChangeRequestStatus[];
  resourceId?: string;
  requestedBy?: string;
  /** Only ids below this one (the previous page's last). */
  beforeId?: number;
  limit: number;
}

/** A decision: who made it, when, and what it leaves. */
export interface ChangeRequestDecision {
  status: Exclude<ChangeRequestStatus, 'pending'>;
  decidedBy?: string;
  decidedAt: string;
  comment?: string;
  failure?: string;
  /** Approvals: the applier's lease, until which no recovery takes it over. */
  applyUntil?: string;
}

/** A create request's earlier change request under the same key. */
export class IdempotentChangeRequest extends Error {
  constructor(
    readonly changeRequest: StoredChangeRequest,
    readonly requestHash: string,
  ) {
    super(
      `Idempotency-Key already used for change request ${changeRequest.id}`,
    );
  }
}

/**
 * Change requests: create, read, and decide once. Every query works on
 * SQLite and PostgreSQL.
 */
export interface ChangeRequestStore {
  /**
   * Records a pending change request. ConflictError naming the pending
   * request when the resource has one already; IdempotentChangeRequest when
   * the requester used the key before.
   */
  create(request: NewChangeRequest): Promise<StoredChangeRequest>;
  get(id: string): Promise<StoredChangeRequest | undefined>;
  /** The earlier change request of a requester's Idempotency-Key. */
  findByIdempotencyKey(
    requestedBy: string,
    key: string,
  ): Promise<
    { changeRequest: StoredChangeRequest; requestHash: string } | undefined
  >;
  list(filter: ChangeRequestFilter): Promise<StoredChangeRequest[]>;
  /** The pending change request of a resource, if any. */
  pendingFor(resourceId: string): Promise<StoredChangeRequest | undefined>;
  /**
   * Moves a pending request to `decision.status`; undefined when it was not
   * pending any more (someone else decided first): exactly one caller wins.
   */
  decide(
    id: string,
    decision: ChangeRequestDecision,
  ): Promise<StoredChangeRequest | undefined>;
  /** Records the outcome of applying an approved change, at `appliedAt`. */
  finish(
    id: string,
    outcome: {
      status: 'approved' | 'failed';
      resourceId?: string;
      failure?: string;
      appliedAt: string;
    },
  ): Promise<StoredChangeRequest | undefined>;
  /**
   * Claims up to `limit` approved requests that were never finished and
   * whose applier's lease ran out before `now`, each with one conditional
   * UPDATE that gives it the lease `applyUntil`: of two claimers, one gets
   * a request, the other does not.
   */
  claimUnfinished(
    now: string,
    applyUntil: string,
    limit: number,
  ): Promise<StoredChangeRequest[]>;
  /** Ids of pending requests whose expiry is at or before `now`. */
  overdue(now: string, limit: number): Promise<string[]>;
}

type Row = {
  id: number | string;
  operation: string;
  status: string;
  reasons: string;
  resource_id: string | null;
  resource_name: string;
  capability_ref: string;
  environment: string;
  owner: string;
  component: string | null;
  change: string;
  base_generation: number | null;
  requested_by: string;
  requested_by_type: string;
  via: string | null;
  request_hash: string | null;
  created_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  comment: string | null;
  failure: string | null;
};

function fromRow(row: Row): StoredChangeRequest {
  const optional = <K extends string, V>(key: K, value: V | null) =>
    value === null || value === undefined
      ? {}
      : ({ [key]: value } as Record<K, V>);
  return {
    id: String(row.id),
    operation: row.operation as ChangeRequestOperation,
    status: row.status as ChangeRequestStatus,
    reasons: JSON.parse(row.reasons),
    resource: {
      ...optional('id', row.resource_id),
      name: row.resource_name,
      capability: row.capability_ref,
      environment: row.environment,
      owner: row.owner,
      ...optional('entityRef', row.component),
    },
    change: JSON.parse(row.change),
    ...optional(
      'baseGeneration',
      row.base_generation === null ? null : Number(row.base_generation),
    ),
    requestedBy: row.requested_by,
    requestedByType: row.requested_by_type as 'user' | 'service',
    ...optional('via', row.via),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...optional('decidedBy', row.decided_by),
    ...optional('decidedAt', row.decided_at),
    ...optional('comment', row.comment),
    ...optional('failure', row.failure),
  };
}

/** A decimal id the table can hold, or undefined. */
function rowId(id: string): number | undefined {
  if (!/^[0-9]{1,15}$/.test(id)) return undefined;
  return Number(id);
}

export class KnexChangeRequestStore implements ChangeRequestStore {
  constructor(private readonly db: Knex) {}

  async create(request: NewChangeRequest): Promise<StoredChangeRequest> {
    const row = {
      operation: request.operation,
      status: 'pending',
      reasons: JSON.stringify(request.reasons),
      resource_id: request.resource.id ?? null,
      pending_resource_id: request.resource.id ?? null,
      resource_name: request.resource.name,
      capability_ref: request.resource.capability,
      environment: request.resource.environment,
      owner: request.resource.owner,
      component: request.resource.entityRef ?? null,
      change: JSON.stringify(request.change),
      base_generation: request.baseGeneration ?? null,
      requested_by: request.requestedBy,
      requested_by_type: request.requestedByType,
      via: request.via ?? null,
      idempotency_key: request.idempotency?.key ?? null,
      request_hash: request.idempotency?.requestHash ?? null,
      created_at: request.createdAt,
      expires_at: request.expiresAt,
    };
    try {
      const [inserted] = await this.db(TABLE).insert(row, ['id']);
      const id =
        typeof inserted === 'object'
          ? (inserted as { id: number }).id
          : inserted;
      return (await this.get(String(id)))!;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (request.idempotency) {
        const earlier: Row | undefined = await this.db(TABLE)
          .where({
            requested_by: request.requestedBy,
            idempotency_key: request.idempotency.key,
          })
          .first();
        if (earlier) {
          throw new IdempotentChangeRequest(
            fromRow(earlier),
            earlier.request_hash ?? '',
          );
        }
      }
      const pending = request.resource.id
        ? await this.pendingFor(request.resource.id)
        : undefined;
      throw new ConflictError(
        pending
          ? `Resource ${request.resource.name} has a pending change request ${pending.id} (${pending.operation}); wait for its decision or cancel it`
          : `Resource ${request.resource.name} has a pending change request`,
      );
    }
  }

  /** The earlier change request of a requester's Idempotency-Key. */
  async findByIdempotencyKey(
    requestedBy: string,
    key: string,
  ): Promise<
    { changeRequest: StoredChangeRequest; requestHash: string } | undefined
  > {
    const row: Row | undefined = await this.db(TABLE)
      .where({ requested_by: requestedBy, idempotency_key: key })
      .first();
    return row
      ? { changeRequest: fromRow(row), requestHash: row.request_hash ?? '' }
      : undefined;
  }

  async get(id: string): Promise<StoredChangeRequest | undefined> {
    const numeric = rowId(id);
    if (numeric === undefined) return undefined;
    const row: Row | undefined = await this.db(TABLE)
      .where({ id: numeric })
      .first();
    return row ? fromRow(row) : undefined;
  }

  async list(filter: ChangeRequestFilter): Promise<StoredChangeRequest[]> {
    const query = this.db(TABLE).orderBy('id', 'desc').limit(filter.limit);
    if (filter.status?.length) query.whereIn('status', filter.status);
    if (filter.resourceId) query.where('resource_id', filter.resourceId);
    if (filter.requestedBy) query.where('requested_by', filter.requestedBy);
    if (filter.beforeId !== undefined) query.where('id', '<', filter.beforeId);
    const rows: Row[] = await query;
    return rows.map(fromRow);
  }

  async pendingFor(
    resourceId: string,
  ): Promise<StoredChangeRequest | undefined> {
    const row: Row | undefined = await this.db(TABLE)
      .where({ pending_resource_id: resourceId })
      .first();
    return row ? fromRow(row) : undefined;
  }

  async decide(
    id: string,
    decision: ChangeRequestDecision,
  ): Promise<StoredChangeRequest | undefined> {
    const numeric = rowId(id);
    if (numeric === undefined) return undefined;
    // One conditional UPDATE: of two deciders, one changes the row, the
    // other's WHERE no longer matches.
    const changed = await this.db(TABLE)
      .where({ id: numeric, status: 'pending' })
      .update({
        status: decision.status,
        decided_by: decision.decidedBy ?? null,
        decided_at: decision.decidedAt,
        comment: decision.comment ?? null,
        failure: decision.failure ?? null,
        apply_until:
          decision.status === 'approved' ? decision.applyUntil ?? null : null,
        // An approved change keeps the resource reserved until it is applied
        // (finish); every other decision frees it.
        ...(decision.status === 'approved'
          ? {}
          : { pending_resource_id: null }),
      });
    if (!changed) return undefined;
    return this.get(id);
  }

  async finish(
    id: string,
    outcome: {
      status: 'approved' | 'failed';
      resourceId?: string;
      failure?: string;
      appliedAt: string;
    },
  ): Promise<StoredChangeRequest | undefined> {
    const numeric = rowId(id);
    if (numeric === undefined) return undefined;
    await this.db(TABLE)
      .where({ id: numeric })
      .update({
        status: outcome.status,
        pending_resource_id: null,
        applied_at: outcome.appliedAt,
        apply_until: null,
        ...(outcome.resourceId ? { resource_id: outcome.resourceId } : {}),
        ...(outcome.failure ? { failure: outcome.failure } : {}),
      });
    return this.get(id);
  }

  async claimUnfinished(
    now: string,
    applyUntil: string,
    limit: number,
  ): Promise<StoredChangeRequest[]> {
    const unfinished = (query: Knex.QueryBuilder) =>
      query
        .where('status', 'approved')
        .whereNull('applied_at')
        .where(q =>
          q.whereNull('apply_until').orWhere('apply_until', '<', now),
        );
    const candidates: Array<{ id: number | string }> = await unfinished(
      this.db(TABLE),
    )
      .orderBy('id')
      .limit(limit)
      .select('id');
    const claimed: StoredChangeRequest[] = [];
    for (const { id } of candidates) {
      // The WHERE is the candidates' again: a replica that claimed the row
      // since moved apply_until past `now`, and this UPDATE changes nothing.
      const changed = await unfinished(this.db(TABLE).where('id', id)).update({
        apply_until: applyUntil,
      });
      if (changed) {
        const cr = await this.get(String(id));
        if (cr) claimed.push(cr);
      }
    }
    return claimed;
  }

  async overdue(now: string, limit: number): Promise<string[]> {
    const rows: Array<{ id: number | string }> = await this.db(TABLE)
      .where('status', 'pending')
      .where('expires_at', '<=', now)
      .orderBy('id')
      .limit(limit)
      .select('id');
    return rows.map(r => String(r.id));
  }
}
