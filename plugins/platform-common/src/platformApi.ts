import {
  Capability,
  CreateResourceRequest,
  CreateRolloutRequest,
  FleetSummary,
  ListResourcesQuery,
  PipelineLog,
  PlatformResource,
  ResourceEvent,
  ResourcePage,
  Rollout,
  UpdateResourceRequest,
} from './types';
import { ListResourceEventsQuery, ResourceFeedPage } from './feed';
import {
  ChangeRequest,
  ChangeRequestPage,
  ListChangeRequestsQuery,
  PendingApproval,
} from './changeRequests';

/** Where the platform backend is, and how to call it. @public */
export interface PlatformClientOptions {
  discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
  /** Defaults to the global fetch; the frontend passes fetchApi, which adds credentials. */
  fetchApi?: { fetch: typeof fetch };
}

/** Per-call options. @public */
export interface PlatformRequestOptions {
  /** A Backstage token, for callers that are not the browser. */
  token?: string;
  /**
   * The caller's token for an engine that acts with the user's identity
   * (see `Capability.userAuth`); sent as `Trellis-Engine-Authorization`.
   * Only changes use it.
   */
  engineToken?: string;
  signal?: AbortSignal;
}

/**
 * The header that carries the caller's own token for engines that act with
 * the user's identity.
 *
 * @public
 */
export const ENGINE_AUTHORIZATION_HEADER = 'Trellis-Engine-Authorization';

/**
 * The platform API as the OpenAPI spec of the platform backend describes it.
 *
 * @public
 */
export interface PlatformApi {
  getHealth(
    options?: PlatformRequestOptions,
  ): Promise<{ status: string; engines: { id: string; title: string }[] }>;
  listCapabilities(options?: PlatformRequestOptions): Promise<Capability[]>;
  getCapability(
    ref: string,
    options?: PlatformRequestOptions,
  ): Promise<Capability>;
  listResources(
    query?: ListResourcesQuery,
    options?: PlatformRequestOptions,
  ): Promise<ResourcePage>;
  getResource(
    id: string,
    options?: PlatformRequestOptions,
  ): Promise<PlatformResource>;
  createResource(
    request: CreateResourceRequest,
    options?: PlatformRequestOptions & {
      dryRun?: boolean;
      idempotencyKey?: string;
    },
  ): Promise<PlatformResource | PendingApproval>;
  /** The resource, or a change request when the change needs approval. */
  updateResource(
    id: string,
    request: UpdateResourceRequest,
    options?: PlatformRequestOptions,
  ): Promise<PlatformResource | PendingApproval>;
  /** The resource, or a change request when the delete needs approval. */
  deleteResource(
    id: string,
    options?: PlatformRequestOptions,
  ): Promise<PlatformResource | PendingApproval>;
  /** Change requests whose resource the caller may read, newest first. */
  listChangeRequests(
    query?: ListChangeRequestsQuery,
    options?: PlatformRequestOptions,
  ): Promise<ChangeRequestPage>;
  getChangeRequest(
    id: string,
    options?: PlatformRequestOptions,
  ): Promise<ChangeRequest>;
  /** Approves and applies the change (status `approved`, or `failed`). */
  approveChangeRequest(
    id: string,
    body: { comment?: string },
    options?: PlatformRequestOptions,
  ): Promise<ChangeRequest>;
  /** Rejects the change; `comment` is required. */
  rejectChangeRequest(
    id: string,
    body: { comment: string },
    options?: PlatformRequestOptions,
  ): Promise<ChangeRequest>;
  /** Withdraws a pending change request (its requester only). */
  cancelChangeRequest(
    id: string,
    options?: PlatformRequestOptions,
  ): Promise<ChangeRequest>;
  /**
   * Hands a pending change to the engine now: after an outage, or with the
   * caller's credentials when it awaits them (`pending.state`).
   */
  retryResource(
    id: string,
    options?: PlatformRequestOptions,
  ): Promise<PlatformResource>;
  getResourceHistory(
    id: string,
    options?: PlatformRequestOptions,
  ): Promise<ResourceEvent[]>;
  getResourceLogs(
    id: string,
    options?: PlatformRequestOptions,
  ): Promise<PipelineLog[]>;
  /**
   * A page of the history of every resource the caller may read, in event id
   * order; store `nextCursor` and pass it as `after` to read on.
   */
  listResourceEvents(
    query?: ListResourceEventsQuery,
    options?: PlatformRequestOptions,
  ): Promise<ResourceFeedPage>;
  getFleetSummary(options?: PlatformRequestOptions): Promise<FleetSummary>;
  /** Asks the engine to run the workflows of every instance of a capability again. */
  reconcileCapability(
    ref: string,
    options?: PlatformRequestOptions,
  ): Promise<void>;
  listRollouts(
    filter?: { capabilityRef?: string },
    options?: PlatformRequestOptions,
  ): Promise<Rollout[]>;
  getRollout(id: string, options?: PlatformRequestOptions): Promise<Rollout>;
  createRollout(
    request: CreateRolloutRequest,
    options?: PlatformRequestOptions,
  ): Promise<Rollout>;
  pauseRollout(id: string, options?: PlatformRequestOptions): Promise<Rollout>;
  resumeRollout(id: string, options?: PlatformRequestOptions): Promise<Rollout>;
}
