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
      /** Creates the resource of an approved create request. */
      createApproved(
        request: CreateResourceRequest,
        requestedBy: string,
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
        create: (request, requestedBy) =>
          deps.createApproved(request, requestedBy),
        update: (id, generation, spec, actor) =>
          deps.store.resources.updateSpec(id, generation, spec, actor),
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

  /** Marks overdue change requests expired (the scheduled task). */
  async expireOverdue(): Promise<number> {
    return this.requests.expireOverdue();
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

  /** Applies an approved delete, unless the resource moved on meanwhile. */
  private async applyDelete(
    id: string,
    generation: number | undefined,
    actor: string,
  ): Promise<PlatformResource> {
    const current = await this.deps.store.resources.get(id);
    if (!current || current.deletedAt) {
      throw new NotFoundError(`Resource ${id} no longer exists`);
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
