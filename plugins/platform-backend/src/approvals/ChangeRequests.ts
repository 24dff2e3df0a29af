import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  ApprovalReason,
  CHANGE_REQUEST_SIGNAL_CHANNEL,
  ChangeRequest,
  ChangeRequestPage,
  ChangeRequestStatus,
  CreateResourceRequest,
  JsonObject,
  ListChangeRequestsQuery,
  PendingApproval,
  platformResourceApprovePermission,
  PlatformResource,
  platformResourceReadPermission,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformCallOptions } from '@trellis/backstage-plugin-platform-node';
import { nowIso } from '../database/knexHelpers';
import { audited, AuditContext } from '../service/audited';
import { actorDetails, principalOf } from '../service/principal';
import { ResourceAccess } from '../service/ResourceAccess';
import { ApprovalConfig, PLATFORM_SUBJECT } from './ApprovalRules';
import {
  ChangeRequestStore,
  IdempotentChangeRequest,
  StoredChangeRequest,
} from './ChangeRequestStore';

/** How an approved change is applied: the normal store and outbox path. */
export interface ChangeApplier {
  create(
    request: CreateResourceRequest,
    requestedBy: string,
  ): Promise<PlatformResource>;
  update(
    resourceId: string,
    baseGeneration: number,
    spec: JsonObject,
    actor: string,
  ): Promise<PlatformResource>;
  delete(
    resourceId: string,
    baseGeneration: number | undefined,
    actor: string,
  ): Promise<PlatformResource>;
}

/** What a change that needs approval records. */
export interface ChangeToApprove {
  operation: ChangeRequest['operation'];
  /** The resource as it is (update, delete) or would be created. */
  resource: PlatformResource;
  change: ChangeRequest['change'];
  baseGeneration?: number;
  reasons: ApprovalReason[];
  /** Creates: the caller's Idempotency-Key and the request's hash. */
  idempotency?: { key: string; requestHash: string };
}

const REASON_TEXT: Record<ApprovalReason, string> = {
  'service-principal': 'it was made by a service (an agent), not a person',
  policy: 'the permission policy requires approval for it',
  capability: 'its capability is marked as needing approval',
};

const LIST_DEFAULT = 50;
const LIST_MAX = 500;
const STATUSES: ChangeRequestStatus[] = [
  'pending',
  'approved',
  'rejected',
  'expired',
  'cancelled',
  'failed',
];

/** The human text of a change request, by status. */
export function messageOf(cr: StoredChangeRequest): string {
  const what = `${cr.operation} of ${cr.resource.name} (${cr.resource.environment})`;
  switch (cr.status) {
    case 'pending':
      return `Needs approval: ${what}. Change request ${
        cr.id
      }; ask someone with ${
        platformResourceApprovePermission.name
      }. Why: ${cr.reasons.map(r => REASON_TEXT[r]).join('; ')}.`;
    case 'approved':
      return `Change request ${cr.id} (${what}) was approved by ${cr.decidedBy} and applied.`;
    case 'failed':
      return `Change request ${cr.id} (${what}) was approved by ${cr.decidedBy} but could not be applied: ${cr.failure}`;
    case 'rejected':
      return `Change request ${cr.id} (${what}) was rejected by ${cr.decidedBy}: ${cr.comment}`;
    case 'cancelled':
      return `Change request ${cr.id} (${what}) was cancelled by ${cr.decidedBy}.`;
    case 'expired':
    default:
      return `Change request ${cr.id} (${what}) expired on ${cr.expiresAt} without a decision.`;
  }
}

function withMessage(cr: StoredChangeRequest): ChangeRequest {
  return { ...cr, message: messageOf(cr) };
}

/**
 * Change requests (issue 13, item 3): recording a change that needs approval,
 * reading them with the resource read permission, and deciding them: approve
 * (apply through the store and the outbox, as the platform), reject, cancel,
 * expire. Every decision happens once (a conditional update), is audited,
 * signalled on `platform:approvals` and notified.
 */
export class ChangeRequests {
  constructor(
    private readonly deps: {
      changeRequests: ChangeRequestStore;
      access: ResourceAccess;
      config: ApprovalConfig;
      auditor: AuditorService;
      logger: LoggerService;
      signals?: SignalsService;
      notifications?: NotificationService;
      apply: ChangeApplier;
      /** Called after an approved change landed (dispatch, announce). */
      applied(resource: PlatformResource): Promise<void>;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** ConflictError naming the pending change request of `resource`, if any. */
  async assertNonePending(resource: PlatformResource): Promise<void> {
    const pending = await this.deps.changeRequests.pendingFor(resource.id);
    if (pending) {
      throw new ConflictError(
        `Resource ${resource.name} has a pending change request ${pending.id} (${pending.operation}); wait for its decision or cancel it`,
      );
    }
  }

  /** A create's earlier change request under the caller's key, if any. */
  async replay(
    key: string,
    requestHash: string,
    options: PlatformCallOptions,
  ): Promise<PendingApproval | undefined> {
    const earlier = await this.deps.changeRequests.findByIdempotencyKey(
      principalOf(options.credentials),
      key,
    );
    if (!earlier) return undefined;
    return this.replayOf(
      earlier.changeRequest,
      earlier.requestHash,
      requestHash,
    );
  }

  private replayOf(
    cr: StoredChangeRequest,
    earlierHash: string,
    requestHash: string,
  ): PendingApproval {
    if (earlierHash !== requestHash) {
      throw new ConflictError(
        'Idempotency-Key: was already used for a different request',
      );
    }
    const changeRequest = withMessage(cr);
    return { changeRequest, message: changeRequest.message };
  }

  /** Records a change that needs approval; nothing is changed. */
  async request(
    change: ChangeToApprove,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PendingApproval> {
    const principal = options.credentials.principal as { type: string };
    const details = actorDetails(options.credentials);
    const requestedBy = principalOf(options.credentials);
    const now = this.now();
    return audited(
      this.deps,
      {
        eventId: 'change-request-create',
        severityLevel: 'medium',
        options,
        meta: {
          operation: change.operation,
          reasons: change.reasons,
          requester: requestedBy,
          resource: this.auditResource(change.resource),
        },
        successMeta: pending => ({
          changeRequestId: pending.changeRequest.id,
        }),
      },
      async () => {
        let stored: StoredChangeRequest;
        try {
          stored = await this.deps.changeRequests.create({
            operation: change.operation,
            reasons: change.reasons,
            resource: {
              ...(change.operation === 'create'
                ? {}
                : { id: change.resource.id }),
              name: change.resource.name,
              capability: change.resource.capabilityRef,
              environment: change.resource.environment,
              owner: change.resource.owner,
              ...(change.resource.component
                ? { entityRef: change.resource.component }
                : {}),
            },
            change: change.change,
            baseGeneration: change.baseGeneration,
            requestedBy,
            requestedByType: principal.type === 'user' ? 'user' : 'service',
            via: viaOf(
              details.via ??
                (principal.type === 'service' ? requestedBy : undefined),
            ),
            createdAt: now.toISOString(),
            expiresAt: new Date(
              now.getTime() + this.deps.config.expiresAfterMs,
            ).toISOString(),
            idempotency: change.idempotency,
          });
        } catch (error) {
          if (error instanceof IdempotentChangeRequest && change.idempotency) {
            return this.replayOf(
              error.changeRequest,
              error.requestHash,
              change.idempotency.requestHash,
            );
          }
          throw error;
        }
        const changeRequest = withMessage(stored);
        await this.signal(stored);
        await this.notify(
          [...this.deps.config.approvers, stored.resource.owner],
          {
            title: `Change request ${stored.id}: ${stored.operation} of ${stored.resource.name} (${stored.resource.environment}) needs approval`,
            description: `Requested by ${requestedBy}. ${changeRequest.message}`,
            id: stored.id,
            exclude: requestedBy,
          },
        );
        return { changeRequest, message: changeRequest.message };
      },
    );
  }

  async list(
    query: ListChangeRequestsQuery,
    options: PlatformCallOptions,
  ): Promise<ChangeRequestPage> {
    const limit = checkQuery(query);
    const readable = await this.readable(options);
    const requestedBy = query.mine
      ? principalOf(options.credentials)
      : query.requestedBy;
    let beforeId = query.cursor ? Number(query.cursor) : undefined;
    const items: ChangeRequest[] = [];
    // Rows the caller may not read are skipped; read on until a page is full.
    for (;;) {
      const rows = await this.deps.changeRequests.list({
        status: query.status,
        resourceId: query.resourceId,
        requestedBy,
        beforeId,
        limit: limit + 1,
      });
      for (const row of rows) {
        if (readable(draftOf(row))) items.push(withMessage(row));
        if (items.length > limit) break;
      }
      if (items.length > limit || rows.length <= limit) break;
      beforeId = Number(rows[rows.length - 1].id);
    }
    if (items.length > limit) {
      const page = items.slice(0, limit);
      return { items: page, nextCursor: page[page.length - 1].id };
    }
    return { items };
  }

  async get(id: string, options: PlatformCallOptions): Promise<ChangeRequest> {
    return withMessage(await this.readOne(id, options));
  }

  async approve(
    id: string,
    body: { comment?: string },
    options: PlatformCallOptions & AuditContext,
  ): Promise<ChangeRequest> {
    const comment = checkComment(body?.comment, false);
    return this.decision('approve', id, options, comment, async cr => {
      const decided = await this.deps.changeRequests.decide(cr.id, {
        status: 'approved',
        decidedBy: principalOf(options.credentials),
        decidedAt: nowIso(),
        comment,
      });
      if (!decided) throw await this.notPending(cr.id);
      let finished: StoredChangeRequest | undefined;
      try {
        const resource = await this.applyChange(decided);
        finished = await this.deps.changeRequests.finish(decided.id, {
          status: 'approved',
          resourceId: resource.id,
        });
        await this.deps.applied(resource);
      } catch (error) {
        const failure = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn(
          `Approved change request ${decided.id} could not be applied: ${failure}`,
        );
        finished = await this.deps.changeRequests.finish(decided.id, {
          status: 'failed',
          failure,
        });
      }
      return finished!;
    });
  }

  async reject(
    id: string,
    body: { comment: string },
    options: PlatformCallOptions & AuditContext,
  ): Promise<ChangeRequest> {
    const comment = checkComment(body?.comment, true);
    return this.decision('reject', id, options, comment, async cr => {
      const decided = await this.deps.changeRequests.decide(cr.id, {
        status: 'rejected',
        decidedBy: principalOf(options.credentials),
        decidedAt: nowIso(),
        comment,
      });
      if (!decided) throw await this.notPending(cr.id);
      return decided;
    });
  }

  async cancel(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<ChangeRequest> {
    return this.decision('cancel', id, options, undefined, async cr => {
      const decided = await this.deps.changeRequests.decide(cr.id, {
        status: 'cancelled',
        decidedBy: principalOf(options.credentials),
        decidedAt: nowIso(),
      });
      if (!decided) throw await this.notPending(cr.id);
      return decided;
    });
  }

  /** Marks overdue pending requests expired (the scheduled task). */
  async expireOverdue(): Promise<number> {
    let expired = 0;
    for (;;) {
      const ids = await this.deps.changeRequests.overdue(
        this.now().toISOString(),
        100,
      );
      for (const id of ids) {
        if (await this.expire(id)) expired += 1;
      }
      if (ids.length < 100) return expired;
    }
  }

  private async expire(id: string): Promise<StoredChangeRequest | undefined> {
    const decided = await this.deps.changeRequests.decide(id, {
      status: 'expired',
      decidedAt: nowIso(),
    });
    if (!decided) return undefined;
    const event = await this.deps.auditor.createEvent({
      eventId: 'change-request-expire',
      severityLevel: 'low',
      meta: {
        actor: PLATFORM_SUBJECT,
        actorType: 'service',
        changeRequestId: id,
        requester: decided.requestedBy,
        resource: { ...decided.resource },
      },
    });
    await event.success();
    await this.afterDecision(decided);
    return decided;
  }

  /**
   * The shared part of approve, reject and cancel: read, who may decide,
   * expiry, audit, signal and notification; `decide` does the decision.
   */
  private async decision(
    verb: 'approve' | 'reject' | 'cancel',
    id: string,
    options: PlatformCallOptions & AuditContext,
    comment: string | undefined,
    decide: (cr: StoredChangeRequest) => Promise<StoredChangeRequest>,
  ): Promise<ChangeRequest> {
    const decided = await audited(
      this.deps,
      {
        eventId: `change-request-${verb}`,
        severityLevel: verb === 'approve' ? 'high' : 'medium',
        options,
        meta: { changeRequestId: id, ...(comment ? { comment } : {}) },
        successMeta: cr => ({
          status: cr.status,
          requester: cr.requestedBy,
          operation: cr.operation,
          resource: { ...cr.resource },
          ...(cr.failure ? { failure: cr.failure } : {}),
        }),
      },
      async () => {
        const cr = await this.readOne(id, options);
        const caller = principalOf(options.credentials);
        if (verb === 'cancel') {
          if (caller !== cr.requestedBy) {
            throw new NotAllowedError(
              `Only the requester (${cr.requestedBy}) may cancel change request ${cr.id}`,
            );
          }
        } else {
          const principal = options.credentials.principal as { type: string };
          if (principal.type !== 'user') {
            throw new NotAllowedError(
              `Change requests are approved by people: a service may not ${verb} change request ${cr.id}`,
            );
          }
          if (caller === cr.requestedBy) {
            throw new NotAllowedError(
              `You requested this change; someone else must ${verb} change request ${cr.id}`,
            );
          }
          if (
            !(await this.deps.access.allowed(
              platformResourceApprovePermission,
              draftOf(cr),
              options,
            ))
          ) {
            throw new NotAllowedError(
              `You may not ${verb} change request ${cr.id}: it needs the ${platformResourceApprovePermission.name} permission for ${cr.resource.name}`,
            );
          }
        }
        if (
          cr.status === 'pending' &&
          cr.expiresAt <= this.now().toISOString()
        ) {
          await this.expire(cr.id);
          throw new ConflictError(
            `Change request ${cr.id} expired on ${cr.expiresAt}; request the change again`,
          );
        }
        if (cr.status !== 'pending') throw await this.notPending(cr.id);
        return decide(cr);
      },
    );
    await this.afterDecision(decided);
    return withMessage(decided);
  }

  private async notPending(id: string): Promise<ConflictError> {
    const now = await this.deps.changeRequests.get(id);
    return new ConflictError(
      `Change request ${id} is not pending: it is ${now?.status ?? 'gone'}`,
    );
  }

  private async applyChange(
    cr: StoredChangeRequest,
  ): Promise<PlatformResource> {
    const actor = cr.requestedBy;
    switch (cr.operation) {
      case 'create':
        if (!cr.change.request)
          throw new Error('The change request holds no request');
        return this.deps.apply.create(cr.change.request, cr.requestedBy);
      case 'update':
        if (
          !cr.change.spec ||
          cr.baseGeneration === undefined ||
          !cr.resource.id
        ) {
          throw new Error('The change request holds no spec');
        }
        return this.deps.apply.update(
          cr.resource.id,
          cr.baseGeneration,
          cr.change.spec,
          actor,
        );
      case 'delete':
      default:
        if (!cr.resource.id)
          throw new Error('The change request names no resource');
        return this.deps.apply.delete(cr.resource.id, cr.baseGeneration, actor);
    }
  }

  private async afterDecision(cr: StoredChangeRequest) {
    await this.signal(cr);
    if (cr.requestedByType === 'user') {
      const message = messageOf(cr);
      await this.notify([cr.requestedBy], {
        title: `Change request ${cr.id} ${cr.status}: ${cr.operation} of ${cr.resource.name} (${cr.resource.environment})`,
        description: message,
        id: cr.id,
      });
    }
  }

  private async readOne(
    id: string,
    options: PlatformCallOptions,
  ): Promise<StoredChangeRequest> {
    const cr = await this.deps.changeRequests.get(id);
    if (!cr) throw new NotFoundError(`No change request ${id}`);
    const readable = await this.readable(options);
    // Hidden from callers who may not read its resource.
    if (!readable(draftOf(cr))) {
      throw new NotFoundError(`No change request ${id}`);
    }
    return cr;
  }

  /** Whether the caller may read a (draft) resource: one decision, many rows. */
  private async readable(
    options: PlatformCallOptions,
  ): Promise<(resource: PlatformResource) => boolean> {
    return this.deps.access.predicate(platformResourceReadPermission, options);
  }

  private auditResource(resource: PlatformResource) {
    return {
      id: resource.id,
      name: resource.name,
      capability: resource.capabilityRef,
      environment: resource.environment,
      owner: resource.owner,
    };
  }

  private async signal(cr: StoredChangeRequest) {
    if (!this.deps.signals) return;
    try {
      await this.deps.signals.publish({
        recipients: { type: 'broadcast' },
        channel: CHANGE_REQUEST_SIGNAL_CHANNEL,
        message: { changeRequestId: cr.id, status: cr.status },
      });
    } catch (error) {
      this.deps.logger.warn(
        `Could not signal change request ${cr.id}: ${error}`,
      );
    }
  }

  private async notify(
    recipients: string[],
    note: { title: string; description: string; id: string; exclude?: string },
  ) {
    const entityRef = [...new Set(recipients.filter(Boolean))];
    if (!this.deps.notifications || !entityRef.length) return;
    try {
      await this.deps.notifications.send({
        recipients: {
          type: 'entity',
          entityRef,
          ...(note.exclude ? { excludeEntityRef: note.exclude } : {}),
        },
        payload: {
          title: note.title,
          description: note.description,
          link: `/platform/approvals/${note.id}`,
          topic: 'platform:approvals',
          scope: `platform-change-request-${note.id}`,
        },
      });
    } catch (error) {
      // Notifications are a courtesy: the change request stands without.
      this.deps.logger.warn(
        `Could not notify about change request ${note.id}: ${error}`,
      );
    }
  }
}

/**
 * The resource a change request is about, as permission rules read it: the
 * resource's owner, environment and capability (for a create, the draft's).
 */
export function draftOf(cr: StoredChangeRequest): PlatformResource {
  return {
    id: cr.resource.id ?? `change-request-${cr.id}`,
    capabilityRef: cr.resource.capability,
    name: cr.resource.name,
    environment: cr.resource.environment,
    owner: cr.resource.owner,
    requestedBy: cr.requestedBy,
    ...(cr.resource.entityRef ? { component: cr.resource.entityRef } : {}),
    spec: cr.change.spec ?? cr.change.request?.spec ?? {},
    generation: cr.baseGeneration ?? 0,
    observedGeneration: 0,
    status: { phase: 'Pending', conditions: [] },
    outputs: {},
    createdAt: cr.createdAt,
    updatedAt: cr.createdAt,
  };
}

/** How a change came in, from the service that forwarded it, as audit `via`. */
function viaOf(service: string | undefined): string {
  if (!service) return 'api';
  if (service === 'plugin:mcp-actions') return 'mcp';
  if (service === 'plugin:scaffolder') return 'scaffolder';
  return service.startsWith('plugin:')
    ? service.slice('plugin:'.length)
    : 'api';
}

/** The page size; every bad filter is an InputError naming it. */
function checkQuery(query: ListChangeRequestsQuery): number {
  for (const status of query.status ?? []) {
    if (!STATUSES.includes(status)) {
      throw new InputError(
        `status: must be one of ${STATUSES.join(', ')}, not '${status}'`,
      );
    }
  }
  if (query.cursor !== undefined && !/^[0-9]{1,15}$/.test(query.cursor)) {
    throw new InputError('cursor: must be a nextCursor of an earlier page');
  }
  const limit = query.limit ?? LIST_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
    throw new InputError(`limit: must be an integer from 1 to ${LIST_MAX}`);
  }
  return limit;
}

function checkComment(comment: unknown, required: boolean): string | undefined {
  if (comment === undefined || comment === null) {
    if (required) {
      throw new InputError('comment: say why the change is rejected');
    }
    return undefined;
  }
  if (typeof comment !== 'string') {
    throw new InputError('comment: must be a string');
  }
  if (required && !comment.trim()) {
    throw new InputError('comment: say why the change is rejected');
  }
  if (comment.length > 2000) {
    throw new InputError('comment: at most 2000 characters');
  }
  return comment.trim() || undefined;
}
