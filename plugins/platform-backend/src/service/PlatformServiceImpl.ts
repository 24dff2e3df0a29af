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
  platformResourceReadPermission,
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
import { checkListQuery } from '../validation/requestValidation';
import { SpecValidator } from '../validation/SpecValidator';
import { audited, AuditContext } from './audited';
import { ChangeRequestCommands } from './ChangeRequestCommands';
import { EngineTokenHolds } from './EngineTokenHolds';
import { principalOf } from './principal';
import { ResourceAccess } from './ResourceAccess';
import { ResourceChanges } from './ResourceChanges';
import { ResourceCreation } from './ResourceCreation';
import { RolloutCommands } from './RolloutCommands';

export type { AuditContext } from './audited';

/**
 * The platform API's behaviour, shared by the HTTP router and in-process
 * callers: permission checks, validation, audit, persistence, and kicking
 * the dispatcher. Creating and changing resources, rollouts and change
 * requests have their own classes.
 */
export class PlatformServiceImpl implements PlatformService {
  private readonly validator = new SpecValidator();
  private readonly access: ResourceAccess;
  private readonly tokenHolds: EngineTokenHolds;
  private readonly creation: ResourceCreation;
  private readonly rolloutCommands: RolloutCommands;
  private readonly changes: ResourceChanges;
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
    this.changes = new ResourceChanges({
      ...shared,
      validator: this.validator,
      approvalGate: this.changeRequestCommands,
      getResource: (id, options) => this.getResource(id, options),
      kickDispatcher: () => this.kickDispatcher(),
    });
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
    return this.changes.updateResource(id, request, options);
  }

  async deleteResource(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource | PendingApproval> {
    return this.changes.deleteResource(id, options);
  }

  async retryResource(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource> {
    return this.changes.retryResource(id, options);
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
    const engine = await this.changes.engineOf(resource);
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
