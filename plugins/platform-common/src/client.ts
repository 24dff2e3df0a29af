import { ResponseError } from '@backstage/errors';
import {
  CreateResourceRequest,
  CreateRolloutRequest,
  ListResourcesQuery,
  PlatformResource,
  UpdateResourceRequest,
} from './types';
import { ListResourceEventsQuery } from './feed';
import {
  ListChangeRequestsQuery,
  PendingApproval,
  isPendingApproval,
} from './changeRequests';
import { DefaultApiClient, TypedResponse } from './generated';
import {
  ENGINE_AUTHORIZATION_HEADER,
  PlatformApi,
  PlatformClientOptions,
  PlatformRequestOptions,
} from './platformApi';

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
