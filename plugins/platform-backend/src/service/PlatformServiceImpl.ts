import {
  AuditorService,
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  Capability,
  ChangeRequest,
  ChangeRequestPage,
  CreateResourceRequest,
  ListChangeRequestsQuery,
  CreateRolloutRequest,
  FleetSummary,
  ListResourcesQuery,
  PendingApproval,
  PipelineLog,
  platformCapabilityReadPermission,
  platformCapabilityReconcilePermission,
  PlatformResource,
  platformResourceDeletePermission,
  platformResourceReadPermission,
  platformResourceUpdatePermission,
  ResourceEvent,
  ResourcePage,
  ResourceSignal,
  Rollout,
  UpdateResourceRequest,
} from '@trellis/backstage-plugin-platform-common';
import {
  CreateResourceOptions,
  CreateResourceResult,
  PlatformCallOptions,
  PlatformEngine,
  PlatformService,
} from '@trellis/backstage-plugin-platform-node';
import { ApprovalConfig } from '../approvals/ApprovalRules';
import { ChangeRequests } from '../approvals/ChangeRequests';
import { CapabilityRegistry } from '../capabilities/CapabilityRegistry';
import { UserTokenVault } from '../credentials/UserTokenVault';
import { PlatformStores } from '../database/PlatformStores';
import { Dispatcher } from '../dispatch/Dispatcher';
import { EngineRegistry } from '../engines/EngineRegistry';
import { Observer } from '../observation/Observer';
import { RolloutRunner } from '../rollouts/RolloutRunner';
import {
  checkListQuery,
  checkUpdateRequest,
} from '../validation/requestValidation';
import { SpecValidator } from '../validation/SpecValidator';
import { audited, AuditContext } from './audited';
import { ChangeRequestCommands } from './ChangeRequestCommands';
import { EngineTokenHolds } from './EngineTokenHolds';
import { principalOf } from './principal';
import { ResourceAccess } from './ResourceAccess';
import { ResourceCreation } from './ResourceCreation';
import { RolloutCommands } from './RolloutCommands';

export type { AuditContext } from './audited';

/**
 * The platform API's behaviour, shared by the HTTP router and in-process
 * callers: permission checks, validation, audit, persistence, and kicking
 * the dispatcher. Creating resources, rollouts and change requests have
 * their own classes.
 */
export class PlatformServiceImpl implements PlatformService {
  private readonly validator = new SpecValidator();
  private readonly access: ResourceAccess;
  private readonly tokenHolds: EngineTokenHolds;
  private readonly creation: ResourceCreation;
  private readonly rolloutCommands: RolloutCommands;
  private readonly changeRequestCommands: ChangeRequestCommands;
  /** Change requests: changes that wait for a person's approval. */
  readonly changeRequests: ChangeRequests;

  constructor(
    private readonly deps: {
      store: PlatformStores;
      engines: EngineRegistry;
      tokens: UserTokenVault;
      capabilities: CapabilityRegistry;
      dispatcher: Dispatcher;
      observer: Observer;
      rollouts: RolloutRunner;
      permissions: PermissionsService;
      permissionsRegistry: PermissionsRegistryService;
      auditor: AuditorService;
      logger: LoggerService;
      approvals: ApprovalConfig;
      signals?: SignalsService;
      notifications?: NotificationService;
      /** The clock of expiry (tests). */
      now?: () => Date;
    },
  ) {
    this.access = new ResourceAccess(
      deps.permissions,
      deps.permissionsRegistry,
    );
    this.tokenHolds = new EngineTokenHolds(deps.tokens);
    const shared = {
      ...deps,
      access: this.access,
      tokenHolds: this.tokenHolds,
    };
    this.changeRequestCommands = new ChangeRequestCommands({
      ...shared,
      createApproved: (request, requestedBy, idempotency) =>
        this.creation.createApproved(request, requestedBy, idempotency),
      applied: async resource => {
        this.kickDispatcher();
        await this.deps.observer.announce(resource);
      },
    });
    this.changeRequests = this.changeRequestCommands.requests;
    this.creation = new ResourceCreation({
      ...shared,
      approvalRules: this.changeRequestCommands.rules,
      changeRequests: this.changeRequestCommands.requests,
      validator: this.validator,
      getResource: (id, options) => this.getResource(id, options),
      kickDispatcher: () => this.kickDispatcher(),
    });
    this.rolloutCommands = new RolloutCommands(shared);
  }

  async listCapabilities(options: PlatformCallOptions): Promise<Capability[]> {
    await this.access.requireBasic(platformCapabilityReadPermission, options);
    return this.deps.capabilities.list();
  }

  async getCapability(ref: string, options: PlatformCallOptions) {
    await this.access.requireBasic(platformCapabilityReadPermission, options);
    return this.deps.capabilities.get(ref);
  }

  async listResources(
    query: ListResourcesQuery,
    options: PlatformCallOptions,
  ): Promise<ResourcePage> {
    const filter = await this.access.readFilter(options);
    if (filter === false) return { items: [], totalCount: 0 };
    checkListQuery(query);
    return this.deps.store.resources.list(query, filter);
  }

  async getResource(
    id: string,
    options: PlatformCallOptions,
  ): Promise<PlatformResource> {
    const resource = await this.deps.store.resources.get(id);
    if (!resource) throw new NotFoundError(`No resource ${id}`);
    if (
      !(await this.access.allowed(
        platformResourceReadPermission,
        resource,
        options,
      ))
    ) {
      // Hide existence from callers who may not read it.
      throw new NotFoundError(`No resource ${id}`);
    }
    return resource;
  }

  async createResource(
    request: CreateResourceRequest,
    options: CreateResourceOptions & AuditContext,
  ): Promise<CreateResourceResult | PendingApproval> {
    return this.creation.createResource(request, options);
  }

  async updateResource(
    id: string,
    request: UpdateResourceRequest,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource | PendingApproval> {
    return audited(
      this.deps,
      {
        eventId: 'resource-update',
        severityLevel: 'medium',
        options,
        meta: { resourceId: id },
        successMeta: updated =>
          'changeRequest' in updated
            ? { changeRequestId: updated.changeRequest.id }
            : { generation: updated.generation },
      },
      async () => {
        checkUpdateRequest(request);
        const resource = await this.getResource(id, options);
        await this.access.requireChange(
          platformResourceUpdatePermission,
          resource,
          options,
          'update',
        );
        const capability = await this.deps.capabilities.get(
          resource.capabilityRef,
        );
        const spec = this.validator.validate(capability, request.spec);
        const pending = await this.changeRequestCommands.gateUpdate(
          resource,
          capability,
          spec,
          request.generation,
          options,
        );
        if (pending) return pending;
        return this.withHeldToken(resource, options, () =>
          this.deps.store.resources.updateSpec(
            id,
            request.generation,
            spec,
            principalOf(options.credentials),
          ),
        );
      },
    );
  }

  async deleteResource(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource | PendingApproval> {
    return audited(
      this.deps,
      {
        eventId: 'resource-delete',
        severityLevel: 'high',
        options,
        meta: { resourceId: id },
        successMeta: deleted =>
          'changeRequest' in deleted
            ? { changeRequestId: deleted.changeRequest.id }
            : {},
      },
      async () => {
        const resource = await this.getResource(id, options);
        await this.access.requireChange(
          platformResourceDeletePermission,
          resource,
          options,
          'delete',
        );
        const pending = await this.changeRequestCommands.gateDelete(
          resource,
          options,
        );
        if (pending) return pending;
        return this.withHeldToken(resource, options, () =>
          this.deps.store.resources.requestDelete(
            id,
            principalOf(options.credentials),
          ),
        );
      },
    );
  }

  async retryResource(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource> {
    return audited(
      this.deps,
      {
        eventId: 'resource-retry',
        severityLevel: 'medium',
        options,
        meta: { resourceId: id },
        successMeta: retried => ({ pending: retried.pending?.state ?? 'none' }),
      },
      async () => {
        const resource = await this.getResource(id, options);
        // Handing the change over is making it: the same permission applies,
        // checked before anything else, so that "nothing pending" is an
        // answer only for those who may change the resource.
        const verb =
          resource.pending?.action === 'delete' ? 'delete' : 'update';
        await this.access.requireChange(
          verb === 'delete'
            ? platformResourceDeletePermission
            : platformResourceUpdatePermission,
          resource,
          options,
          verb,
        );
        if (!resource.pending) return resource;
        return this.withHeldToken(resource, options, async () => {
          await this.deps.store.outbox.retryNow(id);
          return (await this.deps.store.resources.get(id))!;
        });
      },
    );
  }

  async getResourceHistory(
    id: string,
    options: PlatformCallOptions,
  ): Promise<ResourceEvent[]> {
    await this.getResource(id, options);
    return this.deps.store.history.listEvents(id);
  }

  async getResourceLogs(
    id: string,
    options: PlatformCallOptions,
  ): Promise<PipelineLog[]> {
    const resource = await this.getResource(id, options);
    const engine = await this.engineOf(resource);
    if (!engine.getLogs) return [];
    return engine.getLogs({ resourceId: id, engineRef: resource.engineRef });
  }

  async getFleetSummary(options: PlatformCallOptions): Promise<FleetSummary> {
    const filter = await this.access.readFilter(options);
    if (filter === false) return { items: [] };
    return { items: await this.deps.store.resources.fleetCounts(filter) };
  }

  async reconcileCapability(
    ref: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<void> {
    return audited(
      this.deps,
      {
        eventId: 'capability-reconcile',
        severityLevel: 'medium',
        options,
        meta: { capabilityRef: ref },
      },
      async () => {
        await this.access.requireBasic(
          platformCapabilityReconcilePermission,
          options,
        );
        const capability = await this.deps.capabilities.get(ref);
        const engine = this.deps.engines.get(capability.engine);
        if (!engine.reconcileAll) {
          throw new InputError(
            `Engine ${engine.id} cannot re-run the workflows of ${capability.ref}`,
          );
        }
        await engine.reconcileAll(capability.name, {
          actor: principalOf(options.credentials),
          userToken: this.tokenHolds.tokenFor(engine, options),
        });
      },
    );
  }

  async createRollout(
    request: CreateRolloutRequest,
    options: PlatformCallOptions & AuditContext,
  ): Promise<Rollout> {
    return this.rolloutCommands.createRollout(request, options);
  }

  async getRollout(id: string, options: PlatformCallOptions): Promise<Rollout> {
    return this.rolloutCommands.getRollout(id, options);
  }

  async listRollouts(
    filter: { capabilityRef?: string },
    options: PlatformCallOptions,
  ): Promise<Rollout[]> {
    return this.rolloutCommands.listRollouts(filter, options);
  }

  async pauseRollout(id: string, options: PlatformCallOptions & AuditContext) {
    return this.rolloutCommands.changeRollout(id, 'pause', options);
  }

  async resumeRollout(id: string, options: PlatformCallOptions & AuditContext) {
    return this.rolloutCommands.changeRollout(id, 'resume', options);
  }

  async listChangeRequests(
    query: ListChangeRequestsQuery,
    options: PlatformCallOptions,
  ): Promise<ChangeRequestPage> {
    return this.changeRequestCommands.list(query, options);
  }

  async getChangeRequest(
    id: string,
    options: PlatformCallOptions,
  ): Promise<ChangeRequest> {
    return this.changeRequestCommands.get(id, options);
  }

  async approveChangeRequest(
    id: string,
    body: { comment?: string },
    options: PlatformCallOptions & AuditContext,
  ): Promise<ChangeRequest> {
    return this.changeRequestCommands.approve(id, body, options);
  }

  async rejectChangeRequest(
    id: string,
    body: { comment: string },
    options: PlatformCallOptions & AuditContext,
  ): Promise<ChangeRequest> {
    return this.changeRequestCommands.reject(id, body, options);
  }

  async cancelChangeRequest(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<ChangeRequest> {
    return this.changeRequestCommands.cancel(id, options);
  }

  /** Marks overdue change requests expired (the scheduled task). */
  async expireChangeRequests(): Promise<number> {
    return this.changeRequestCommands.expireOverdue();
  }

  subscribe(listener: (signal: ResourceSignal) => void): () => void {
    return this.deps.observer.subscribe(listener);
  }

  /**
   * The engine that holds `resource`: the one its row names, which the
   * dispatcher and the rollout runner use too, whatever its ref looks like.
   */
  private async engineOf(resource: PlatformResource): Promise<PlatformEngine> {
    const found = await this.deps.store.resources.getWithEngine(resource.id);
    if (!found) throw new NotFoundError(`No resource ${resource.id}`);
    return this.deps.engines.get(found.engineId);
  }

  /**
   * Runs a change of `resource` that the dispatcher will hand to the engine,
   * holding the caller's token for it first when the engine acts as the user
   * (and putting the previous one back when the change is refused), then
   * starts a dispatch pass and announces the result.
   */
  private async withHeldToken(
    resource: PlatformResource,
    options: PlatformCallOptions,
    change: () => Promise<PlatformResource>,
  ): Promise<PlatformResource> {
    const engineToken = this.tokenHolds.tokenFor(
      await this.engineOf(resource),
      options,
    );
    const changed = await this.tokenHolds.holding(
      resource.id,
      engineToken,
      options,
      change,
    );
    this.kickDispatcher();
    await this.deps.observer.announce(changed);
    return changed;
  }

  /** Starts a dispatch pass now instead of waiting for the scheduled one. */
  private kickDispatcher() {
    this.deps.dispatcher
      .dispatchDue()
      .catch(error =>
        this.deps.logger.warn(
          `Immediate dispatch failed, the scheduled one will retry: ${error}`,
        ),
      );
  }
}
