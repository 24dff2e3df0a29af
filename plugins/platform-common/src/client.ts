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
  ): Promise<PlatformResource>;
  updateResource(
    id: string,
    request: UpdateResourceRequest,
    options?: PlatformRequestOptions,
  ): Promise<PlatformResource>;
  deleteResource(
    id: string,
    options?: PlatformRequestOptions,
  ): Promise<PlatformResource>;
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

type Query = Record<string, string | number | boolean | string[] | undefined>;

function toSearchParams(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      params.append(key, String(item));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * A typed client of the platform API, for the frontend, scripts and tests.
 *
 * @public
 */
export class PlatformClient implements PlatformApi {
  private readonly discoveryApi: PlatformClientOptions['discoveryApi'];
  private readonly fetchApi: { fetch: typeof fetch };

  constructor(options: PlatformClientOptions) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi ?? { fetch: (...args) => fetch(...args) };
  }

  async getHealth(options?: PlatformRequestOptions) {
    return this.call<{
      status: string;
      engines: { id: string; title: string }[];
    }>('GET', '/health', options);
  }

  async listCapabilities(options?: PlatformRequestOptions) {
    return (
      await this.call<{ items: Capability[] }>('GET', '/capabilities', options)
    ).items;
  }

  async getCapability(ref: string, options?: PlatformRequestOptions) {
    return this.call<Capability>(
      'GET',
      `/capabilities/${encodeURIComponent(ref)}`,
      options,
    );
  }

  async listResources(
    query: ListResourcesQuery = {},
    options?: PlatformRequestOptions,
  ) {
    return this.call<ResourcePage>(
      'GET',
      `/resources${toSearchParams(query as Query)}`,
      options,
    );
  }

  async getResource(id: string, options?: PlatformRequestOptions) {
    return this.call<PlatformResource>(
      'GET',
      `/resources/${encodeURIComponent(id)}`,
      options,
    );
  }

  async createResource(
    request: CreateResourceRequest,
    options?: PlatformRequestOptions & {
      dryRun?: boolean;
      idempotencyKey?: string;
    },
  ) {
    return this.call<PlatformResource>(
      'POST',
      `/resources${toSearchParams({ dryRun: options?.dryRun || undefined })}`,
      options,
      request,
      options?.idempotencyKey
        ? { 'Idempotency-Key': options.idempotencyKey }
        : {},
    );
  }

  /**
   * Like {@link PlatformClient.createResource}, and tells whether this call
   * created the resource (201): false when an idempotent retry returned the
   * first result, or on a dry run (200).
   */
  async createResourceWithResult(
    request: CreateResourceRequest,
    options?: PlatformRequestOptions & {
      dryRun?: boolean;
      idempotencyKey?: string;
    },
  ): Promise<{ resource: PlatformResource; created: boolean }> {
    const { status, body } = await this.send<PlatformResource>(
      'POST',
      `/resources${toSearchParams({ dryRun: options?.dryRun || undefined })}`,
      options,
      request,
      options?.idempotencyKey
        ? { 'Idempotency-Key': options.idempotencyKey }
        : {},
    );
    return { resource: body, created: status === 201 };
  }

  async updateResource(
    id: string,
    request: UpdateResourceRequest,
    options?: PlatformRequestOptions,
  ) {
    return this.call<PlatformResource>(
      'PATCH',
      `/resources/${encodeURIComponent(id)}`,
      options,
      request,
    );
  }

  async deleteResource(id: string, options?: PlatformRequestOptions) {
    return this.call<PlatformResource>(
      'DELETE',
      `/resources/${encodeURIComponent(id)}`,
      options,
    );
  }

  async retryResource(id: string, options?: PlatformRequestOptions) {
    return this.call<PlatformResource>(
      'POST',
      `/resources/${encodeURIComponent(id)}/retry`,
      options,
    );
  }

  async getResourceHistory(id: string, options?: PlatformRequestOptions) {
    return (
      await this.call<{ items: ResourceEvent[] }>(
        'GET',
        `/resources/${encodeURIComponent(id)}/history`,
        options,
      )
    ).items;
  }

  async getResourceLogs(id: string, options?: PlatformRequestOptions) {
    return (
      await this.call<{ items: PipelineLog[] }>(
        'GET',
        `/resources/${encodeURIComponent(id)}/logs`,
        options,
      )
    ).items;
  }

  async listResourceEvents(
    query: ListResourceEventsQuery = {},
    options?: PlatformRequestOptions,
  ) {
    return this.call<ResourceFeedPage>(
      'GET',
      `/events${toSearchParams({ after: query.after, limit: query.limit })}`,
      options,
    );
  }

  async getFleetSummary(options?: PlatformRequestOptions) {
    return this.call<FleetSummary>('GET', '/fleet', options);
  }

  async reconcileCapability(ref: string, options?: PlatformRequestOptions) {
    await this.call<unknown>(
      'POST',
      `/capabilities/${encodeURIComponent(ref)}/reconcile`,
      options,
    );
  }

  async listRollouts(
    filter: { capabilityRef?: string } = {},
    options?: PlatformRequestOptions,
  ) {
    return (
      await this.call<{ items: Rollout[] }>(
        'GET',
        `/rollouts${toSearchParams(filter)}`,
        options,
      )
    ).items;
  }

  async getRollout(id: string, options?: PlatformRequestOptions) {
    return this.call<Rollout>(
      'GET',
      `/rollouts/${encodeURIComponent(id)}`,
      options,
    );
  }

  async createRollout(
    request: CreateRolloutRequest,
    options?: PlatformRequestOptions,
  ) {
    return this.call<Rollout>('POST', '/rollouts', options, request);
  }

  async pauseRollout(id: string, options?: PlatformRequestOptions) {
    return this.call<Rollout>(
      'POST',
      `/rollouts/${encodeURIComponent(id)}/pause`,
      options,
    );
  }

  async resumeRollout(id: string, options?: PlatformRequestOptions) {
    return this.call<Rollout>(
      'POST',
      `/rollouts/${encodeURIComponent(id)}/resume`,
      options,
    );
  }

  private async call<T>(
    method: string,
    path: string,
    options?: PlatformRequestOptions,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    return (await this.send<T>(method, path, options, body, extraHeaders)).body;
  }

  private async send<T>(
    method: string,
    path: string,
    options?: PlatformRequestOptions,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const baseUrl = await this.discoveryApi.getBaseUrl('platform');
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (options?.token) headers.Authorization = `Bearer ${options.token}`;
    if (options?.engineToken) {
      headers[ENGINE_AUTHORIZATION_HEADER] = `Bearer ${options.engineToken}`;
    }
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options?.signal,
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    // Parsed here rather than by response.json(): the objects then belong to
    // this realm, which template engines that accept only plain records (the
    // scaffolder's, under jest's sandbox) require.
    return {
      status: response.status,
      body: JSON.parse(await response.text()) as T,
    };
  }
}
