import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  Capability,
  ChangeRequest,
  ChangeRequestOperation,
  ChangeRequestPage,
  CreateResourceRequest,
  JsonObject,
  ListChangeRequestsQuery,
  PendingApproval,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformCallOptions } from '@trellis/backstage-plugin-platform-node';
import { ApprovalConfig, ApprovalRules } from '../approvals/ApprovalRules';
import { ChangeRequests } from '../approvals/ChangeRequests';
import { CapabilityRegistry } from '../capabilities/CapabilityRegistry';
import { PlatformStores } from '../database/PlatformStores';
import { NewIdempotencyKey } from '../database/ResourceStore';
import { isDeepStrictEqual } from 'node:util';
import { AuditContext } from './audited';
import { ResourceAccess } from './ResourceAccess';

/**
 * The approvals half of the platform API: the gate that turns an update or
 * delete into a change request when it needs a person's approval, and
 * reading and deciding change requests ({@link ChangeRequests} does the
 * work). Approved changes are applied through the normal store path.
 */
export class ChangeRequestCommands {
  /** When a change needs approval; creates ask it too. */
  readonly rules: ApprovalRules;
  /** Change requests: changes that wait for a person's approval. */
  readonly requests: ChangeRequests;

  constructor(
    private readonly deps: {
      store: PlatformStores;
      capabilities: CapabilityRegistry;
      access: ResourceAccess;
      approvals: ApprovalConfig;
      auditor: AuditorService;
      logger: LoggerService;
      signals?: SignalsService;
      notifications?: NotificationService;
      /** The clock of expiry (tests). */
      now?: () => Date;
      /**
       * Creates the resource of an approved create request, under the
       * request's own idempotency key: a second call finds the first's.
       */
      createApproved(
        request: CreateResourceRequest,
        requestedBy: string,
        idempotency: NewIdempotencyKey,
      ): Promise<PlatformResource>;
      /** Called after an approved change landed (dispatch, announce). */
      applied(resource: PlatformResource): Promise<void>;
    },
  ) {
    this.rules = new ApprovalRules(deps.approvals, deps.access);
    this.requests = new ChangeRequests({
      changeRequests: deps.store.changeRequests,
      access: deps.access,
      config: deps.approvals,
      auditor: deps.auditor,
      logger: deps.logger,
      signals: deps.signals,
      notifications: deps.notifications,
      now: deps.now,
      apply: {
        create: (request, requestedBy, idempotency) =>
          deps.createApproved(request, requestedBy, idempotency),
        update: (id, generation, spec, actor) =>
          this.applyUpdate(id, generation, spec, actor),
        delete: (id, generation, actor) =>
          this.applyDelete(id, generation, actor),
      },
      applied: resource => deps.applied(resource),
    });
  }

  /**
   * The approval gate of an update to `spec` (already validated against
   * `capability`): the change request when the update needs approval,
   * undefined when it may be made now.
   */
  async gateUpdate(
    resource: PlatformResource,
    capability: Capability,
    spec: JsonObject,
    generation: number,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PendingApproval | undefined> {
    return this.gate(
      'update',
      resource,
      async () => capability,
      () => {
        // An approver decides on the resource as the requester saw it.
        if (generation !== resource.generation) {
          throw new ConflictError(
            `Resource ${resource.name} is at generation ${resource.generation}, not ${generation}: reload it and apply your change again`,
          );
        }
        return { spec };
      },
      options,
    );
  }

  /**
   * The approval gate of deleting `resource`: the change request when the
   * delete needs approval, undefined when it may be made now.
   */
  async gateDelete(
    resource: PlatformResource,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PendingApproval | undefined> {
    // Already on its way out: deleting again changes nothing.
    if (resource.pending?.action === 'delete' || resource.deletedAt) {
      return undefined;
    }
    return this.gate(
      'delete',
      resource,
      () => this.capabilityOf(resource),
      () => ({}),
      options,
    );
  }

  async list(
    query: ListChangeRequestsQuery,
    options: PlatformCallOptions,
  ): Promise<ChangeRequestPage> {
    return this.requests.list(query, options);
  }

  async get(id: string, options: PlatformCallOptions): Promise<ChangeRequest> {
    return this.requests.get(id, options);
  }

  async approve(
    id: string,
    body: { comment?: string },
    options: PlatformCallOptions & AuditContext,
  ): Promise<ChangeRequest> {
    return this.requests.approve(id, body, options);
  }

  async reject(
    id: string,
    body: { comment: string },
    options: PlatformCallOptions & AuditContext,
  ): Promise<ChangeRequest> {
    return this.requests.reject(id, body, options);
  }

  async cancel(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<ChangeRequest> {
    return this.requests.cancel(id, options);
  }

  /**
   * The scheduled task, also run at plugin start: marks overdue change
   * requests expired, and finishes approved ones that a stopped backend left
   * unfinished (see {@link ChangeRequests.recoverApprovals}). The number
   * expired.
   */
  async expireOverdue(): Promise<number> {
    const expired = await this.requests.expireOverdue();
    await this.requests.recoverApprovals();
    return expired;
  }

  /**
   * Refuses a change while another one of `resource` waits for a decision,
   * then records the change as a change request if any rule asks for it.
   * `change` runs only then, so its checks apply to approvals alone.
   */
  private async gate(
    operation: Exclude<ChangeRequestOperation, 'create'>,
    resource: PlatformResource,
    capability: () => Promise<Capability | undefined>,
    change: () => ChangeRequest['change'],
    options: PlatformCallOptions & AuditContext,
  ): Promise<PendingApproval | undefined> {
    await this.requests.assertNonePending(resource);
    const reasons = await this.rules.reasons(
      operation,
      resource,
      await capability(),
      options,
    );
    if (!reasons.length) return undefined;
    return this.requests.request(
      {
        operation,
        resource,
        change: change(),
        baseGeneration: resource.generation,
        reasons,
      },
      options,
    );
  }

  /**
   * Applies an approved update, unless the resource moved on meanwhile. At
   * `generation + 1` with the requested spec, it was applied already (before
   * a stop): applying it again changes nothing.
   */
  private async applyUpdate(
    id: string,
    generation: number,
    spec: JsonObject,
    actor: string,
  ): Promise<PlatformResource> {
    const current = await this.deps.store.resources.get(id);
    if (
      current &&
      !current.deletedAt &&
      current.generation === generation + 1 &&
      isDeepStrictEqual(current.spec, spec)
    ) {
      return current;
    }
    return this.deps.store.resources.updateSpec(id, generation, spec, actor);
  }

  /**
   * Applies an approved delete, unless the resource moved on meanwhile. A
   * resource already on its way out was deleted already (before a stop, or
   * by its engine): deleting it again changes nothing.
   */
  private async applyDelete(
    id: string,
    generation: number | undefined,
    actor: string,
  ): Promise<PlatformResource> {
    const current = await this.deps.store.resources.get(id);
    if (!current) {
      throw new NotFoundError(`Resource ${id} no longer exists`);
    }
    if (
      current.pending?.action === 'delete' ||
      current.status.phase === 'Deleting' ||
      current.deletedAt
    ) {
      return current;
    }
    if (generation !== undefined && current.generation !== generation) {
      throw new ConflictError(
        `Resource ${current.name} changed since the delete was requested (generation ${generation}, now ${current.generation}): request it again`,
      );
    }
    return this.deps.store.resources.requestDelete(id, actor);
  }

  /** The capability of `resource`, when its engine still offers it. */
  private async capabilityOf(
    resource: PlatformResource,
  ): Promise<Capability | undefined> {
    try {
      return await this.deps.capabilities.get(resource.capabilityRef);
    } catch {
      return undefined;
    }
  }
}
