import { ResponseError } from '@backstage/errors';
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
  isPendingApproval,
} from './changeRequests';
import { DefaultApiClient, TypedResponse } from './generated';

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

/** The headers of an operation that changes something through an engine. */
function engineHeader(options?: PlatformRequestOptions) {
  return options?.engineToken
    ? { [ENGINE_AUTHORIZATION_HEADER]: `Bearer ${options.engineToken}` }
    : {};
}

/**
 * The body of a successful response, typed by the spec; the backend's error
 * as a ResponseError otherwise.
 */
async function bodyOf<T>(
  response: TypedResponse<T>,
): Promise<{ status: number; body: T }> {
  if (!response.ok) {
    throw await ResponseError.fromResponse(response as Response);
  }
  // Parsed here rather than by response.json(): the objects then belong to
  // this realm, which template engines that accept only plain records (the
  // scaffolder's, under jest's sandbox) require.
  return {
    status: response.status,
    body: JSON.parse(await response.text()) as T,
  };
}

const body = async <T>(response: Promise<TypedResponse<T>>): Promise<T> =>
  (await bodyOf(await response)).body;

/**
 * A typed client of the platform API, for the frontend, scripts and tests.
 * It calls the DefaultApiClient generated from the backend's openapi.yaml,
 * so a method whose arguments or answer the spec does not allow does not
 * compile.
 *
 * @public
 */
export class PlatformClient implements PlatformApi {
  private readonly api: DefaultApiClient;

  constructor(options: PlatformClientOptions) {
    this.api = new DefaultApiClient(options);
  }

  async getHealth(options?: PlatformRequestOptions) {
    return body(this.api.getHealth({}, options));
  }

  async listCapabilities(options?: PlatformRequestOptions) {
    return (await body(this.api.listCapabilities({}, options))).items;
  }

  async getCapability(ref: string, options?: PlatformRequestOptions) {
    return body(this.api.getCapability({ path: { ref } }, options));
  }

  async listResources(
    query: ListResourcesQuery = {},
    options?: PlatformRequestOptions,
  ) {
    return body(this.api.listResources({ query }, options));
  }

  async getResource(id: string, options?: PlatformRequestOptions) {
    return body(this.api.getResource({ path: { id } }, options));
  }

  async createResource(
    request: CreateResourceRequest,
    options?: PlatformRequestOptions & {
      dryRun?: boolean;
      idempotencyKey?: string;
    },
  ) {
    const result = await this.createResourceWithResult(request, options);
    return isPendingApproval(result) ? result : result.resource;
  }

  /**
   * Like {@link PlatformClient.createResource}, and says whether this call
   * created the resource (201) or found it (a dry run, or an idempotent
   * replay: 200); a change request (202) when the request needs approval.
   */
  async createResourceWithResult(
    request: CreateResourceRequest,
    options?: PlatformRequestOptions & {
      dryRun?: boolean;
      idempotencyKey?: string;
    },
  ): Promise<
    { resource: PlatformResource; created: boolean } | PendingApproval
  > {
    const { status, body: answer } = await bodyOf(
      await this.api.createResource(
        {
          query: { dryRun: options?.dryRun || undefined },
          header: {
            'Idempotency-Key': options?.idempotencyKey || undefined,
            ...engineHeader(options),
          },
          body: request,
        },
        options,
      ),
    );
    if (isPendingApproval(answer)) return answer;
    return { resource: answer, created: status === 201 };
  }

  async updateResource(
    id: string,
    request: UpdateResourceRequest,
    options?: PlatformRequestOptions,
  ) {
    return body(
      this.api.updateResource(
        { path: { id }, header: engineHeader(options), body: request },
        options,
      ),
    );
  }

  async deleteResource(id: string, options?: PlatformRequestOptions) {
    return body(
      this.api.deleteResource(
        { path: { id }, header: engineHeader(options) },
        options,
      ),
    );
  }

  async retryResource(id: string, options?: PlatformRequestOptions) {
    return body(
      this.api.retryResource(
        { path: { id }, header: engineHeader(options) },
        options,
      ),
    );
  }

  async listChangeRequests(
    query: ListChangeRequestsQuery = {},
    options?: PlatformRequestOptions,
  ) {
    return body(this.api.listChangeRequests({ query }, options));
  }

  async getChangeRequest(id: string, options?: PlatformRequestOptions) {
    return body(this.api.getChangeRequest({ path: { id } }, options));
  }

  async approveChangeRequest(
    id: string,
    request: { comment?: string },
    options?: PlatformRequestOptions,
  ) {
    return body(
      this.api.approveChangeRequest({ path: { id }, body: request }, options),
    );
  }

  async rejectChangeRequest(
    id: string,
    request: { comment: string },
    options?: PlatformRequestOptions,
  ) {
    return body(
      this.api.rejectChangeRequest({ path: { id }, body: request }, options),
    );
  }

  async cancelChangeRequest(id: string, options?: PlatformRequestOptions) {
    return body(this.api.cancelChangeRequest({ path: { id } }, options));
  }

  async getResourceHistory(id: string, options?: PlatformRequestOptions) {
    return (await body(this.api.getResourceHistory({ path: { id } }, options)))
      .items;
  }

  async getResourceLogs(id: string, options?: PlatformRequestOptions) {
    return (await body(this.api.getResourceLogs({ path: { id } }, options)))
      .items;
  }

  async listResourceEvents(
    query: ListResourceEventsQuery = {},
    options?: PlatformRequestOptions,
  ) {
    return body(
      this.api.listResourceEvents(
        { query: { after: query.after, limit: query.limit } },
        options,
      ),
    );
  }

  async getFleetSummary(options?: PlatformRequestOptions) {
    return body(this.api.getFleetSummary({}, options));
  }

  async reconcileCapability(ref: string, options?: PlatformRequestOptions) {
    await body(
      this.api.reconcileCapability(
        { path: { ref }, header: engineHeader(options) },
        options,
      ),
    );
  }

  async listRollouts(
    filter: { capabilityRef?: string } = {},
    options?: PlatformRequestOptions,
  ) {
    return (
      await body(
        this.api.listRollouts(
          { query: { capabilityRef: filter.capabilityRef } },
          options,
        ),
      )
    ).items;
  }

  async getRollout(id: string, options?: PlatformRequestOptions) {
    return body(this.api.getRollout({ path: { id } }, options));
  }

  async createRollout(
    request: CreateRolloutRequest,
    options?: PlatformRequestOptions,
  ) {
    return body(
      this.api.createRollout(
        { header: engineHeader(options), body: request },
        options,
      ),
    );
  }

  async pauseRollout(id: string, options?: PlatformRequestOptions) {
    return body(this.api.pauseRollout({ path: { id } }, options));
  }

  async resumeRollout(id: string, options?: PlatformRequestOptions) {
    return body(
      this.api.resumeRollout(
        { path: { id }, header: engineHeader(options) },
        options,
      ),
    );
  }
}
