import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  ChangeRequest,
  ChangeRequestPage,
  ListChangeRequestsQuery,
  PendingApproval,
  PlatformResource,
  platformResourceReadPermission,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformCallOptions } from '@trellis/backstage-plugin-platform-node';
import { nowIso } from '../database/knexHelpers';
import { audited, AuditContext } from '../service/audited';
import { actorDetails, principalOf } from '../service/principal';
import { ResourceAccess } from '../service/ResourceAccess';
import {
  announceDecision,
  auditResource,
  notify,
  signal,
  withMessage,
} from './announcements';
import { ApprovalConfig, PLATFORM_SUBJECT } from './ApprovalRules';
import { ChangeApplier, ChangeToApprove, draftOf } from './applyChange';
import { ApprovedChanges } from './ApprovedChanges';
import {
  ChangeRequestStore,
  IdempotentChangeRequest,
  StoredChangeRequest,
} from './ChangeRequestStore';
import { checkComment, checkDecider, checkQuery, viaOf } from './checks';

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
  ) {
    this.approved = new ApprovedChanges(deps);
  }

  /** Applying approved changes, and finishing those a stop interrupted. */
  private readonly approved: ApprovedChanges;

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
          resource: auditResource(change.resource),
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
        await signal(this.deps, stored);
        await notify(
          this.deps,
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
        applyUntil: this.approved.leaseUntil(),
      });
      if (!decided) throw await this.notPending(cr.id);
      return this.approved.apply(decided);
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

  /**
   * Finishes approved change requests that a stopped backend left
   * unfinished ({@link ApprovedChanges.recover}). At plugin start and in the
   * `platform-approvals-expire` task.
   */
  async recoverApprovals(): Promise<number> {
    return this.approved.recover();
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
    await announceDecision(this.deps, decided);
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
        await checkDecider(this.deps.access, verb, cr, options);
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
    await announceDecision(this.deps, decided);
    return withMessage(decided);
  }

  private async notPending(id: string): Promise<ConflictError> {
    const now = await this.deps.changeRequests.get(id);
    return new ConflictError(
      `Change request ${id} is not pending: it is ${now?.status ?? 'gone'}`,
    );
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
}
