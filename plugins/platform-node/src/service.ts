import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  Capability,
  ChangeRequest,
  ChangeRequestPage,
  CreateResourceRequest,
  ListChangeRequestsQuery,
  PendingApproval,
  CreateRolloutRequest,
  FleetSummary,
  ListResourcesQuery,
  PipelineLog,
  PlatformResource,
  ResourceEvent,
  ResourcePage,
  Rollout,
  UpdateResourceRequest,
} from '@trellis/backstage-plugin-platform-common';
import { HttpPlatformService } from './HttpPlatformService';

/** Credentials of the caller; permissions are checked for them. @public */
export interface PlatformCallOptions {
  credentials: BackstageCredentials;
  /**
   * The caller's own token for engines that act with the user's identity
   * (`Capability.userAuth`). Used by changes only; held in memory until the
   * engine has the change or the token expires, never stored.
   */
  engineToken?: string;
}

/** @public */
export interface CreateResourceOptions extends PlatformCallOptions {
  /** Validate and answer what would be created, without creating it. */
  dryRun?: boolean;
  /** A retry with the same key returns the first result instead of creating again. */
  idempotencyKey?: string;
}

/** @public */
export interface CreateResourceResult {
  resource: PlatformResource;
  /** False when an idempotent retry returned an earlier result, or on dry-run. */
  created: boolean;
}

/**
 * What {@link PlatformService.subscribe} tells about a change: only which
 * resource changed. @public
 */
export interface PlatformResourceChange {
  resourceId: string;
}

/**
 * The platform API for other backend plugins and modules (scaffolder actions,
 * catalog provider, MCP actions), with the caller's credentials, so the same
 * permissions, validation, audit and idempotency apply as over HTTP.
 *
 * @public
 */
export interface PlatformService {
  listCapabilities(options: PlatformCallOptions): Promise<Capability[]>;
  getCapability(ref: string, options: PlatformCallOptions): Promise<Capability>;
  listResources(
    query: ListResourcesQuery,
    options: PlatformCallOptions,
  ): Promise<ResourcePage>;
  getResource(
    id: string,
    options: PlatformCallOptions,
  ): Promise<PlatformResource>;
  /**
   * Creates the resource, or, when the request needs approval, a change
   * request ({@link PendingApproval}; tell them apart with
   * `isPendingApproval`). A dry run never creates a change request: its
   * resource says `approvalRequired` instead.
   */
  createResource(
    request: CreateResourceRequest,
    options: CreateResourceOptions,
  ): Promise<CreateResourceResult | PendingApproval>;
  /** The changed resource, or a change request when approval is needed. */
  updateResource(
    id: string,
    request: UpdateResourceRequest,
    options: PlatformCallOptions,
  ): Promise<PlatformResource | PendingApproval>;
  /** The resource now deleting, or a change request when approval is needed. */
  deleteResource(
    id: string,
    options: PlatformCallOptions,
  ): Promise<PlatformResource | PendingApproval>;
  /** Change requests whose resource the caller may read, newest first. */
  listChangeRequests(
    query: ListChangeRequestsQuery,
    options: PlatformCallOptions,
  ): Promise<ChangeRequestPage>;
  getChangeRequest(
    id: string,
    options: PlatformCallOptions,
  ): Promise<ChangeRequest>;
  /**
   * Approves a pending change request and applies its change as the
   * platform; status `approved`, or `failed` with `failure`. Not by its
   * requester, not by a service.
   */
  approveChangeRequest(
    id: string,
    body: { comment?: string },
    options: PlatformCallOptions,
  ): Promise<ChangeRequest>;
  /** Rejects a pending change request; `comment` is required. */
  rejectChangeRequest(
    id: string,
    body: { comment: string },
    options: PlatformCallOptions,
  ): Promise<ChangeRequest>;
  /** Withdraws a pending change request; its requester only. */
  cancelChangeRequest(
    id: string,
    options: PlatformCallOptions,
  ): Promise<ChangeRequest>;
  /**
   * Hands the resource's pending change to its engine now, with
   * `engineToken` when the engine acts with the user's identity.
   */
  retryResource(
    id: string,
    options: PlatformCallOptions,
  ): Promise<PlatformResource>;
  getResourceHistory(
    id: string,
    options: PlatformCallOptions,
  ): Promise<ResourceEvent[]>;
  getResourceLogs(
    id: string,
    options: PlatformCallOptions,
  ): Promise<PipelineLog[]>;
  getFleetSummary(options: PlatformCallOptions): Promise<FleetSummary>;
  /** Asks the engine to run every instance's configure workflow again. */
  reconcileCapability(ref: string, options: PlatformCallOptions): Promise<void>;
  createRollout(
    request: CreateRolloutRequest,
    options: PlatformCallOptions,
  ): Promise<Rollout>;
  getRollout(id: string, options: PlatformCallOptions): Promise<Rollout>;
  listRollouts(
    filter: { capabilityRef?: string },
    options: PlatformCallOptions,
  ): Promise<Rollout[]>;
  pauseRollout(id: string, options: PlatformCallOptions): Promise<Rollout>;
  resumeRollout(id: string, options: PlatformCallOptions): Promise<Rollout>;
  /**
   * Calls `listener` whenever any resource changes (phase, generation). The
   * payload carries no resource data: read the resource with your credentials.
   * Notices are best effort (they travel on the events service): keep a
   * polling safety net.
   */
  subscribe(listener: (change: PlatformResourceChange) => void): () => void;
}

/**
 * The platform API for other backend plugins and modules. Plugin scoped: each
 * plugin gets an HTTP client of the platform plugin ({@link HttpPlatformService}),
 * found through discovery, wherever the platform plugin runs (this backend or
 * another one). Calls are made on behalf of the caller's credentials.
 *
 * @public
 */
export const platformServiceRef = createServiceRef<PlatformService>({
  id: 'platform.service',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        logger: coreServices.logger,
        events: eventsServiceRef,
      },
      factory: deps => new HttpPlatformService(deps),
    }),
});
