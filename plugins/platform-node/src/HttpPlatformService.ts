import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { EventsService } from '@backstage/plugin-events-node';
import {
  CreateResourceRequest,
  CreateRolloutRequest,
  ListChangeRequestsQuery,
  ListResourcesQuery,
  PlatformClient,
  PlatformRequestOptions,
  UpdateResourceRequest,
} from '@trellis/backstage-plugin-platform-common';
import {
  PLATFORM_RESOURCE_TOPIC,
  PlatformResourceChangedEvent,
} from './events';
import type {
  CreateResourceOptions,
  PlatformCallOptions,
  PlatformResourceChange,
  PlatformService,
} from './service';

/**
 * The platform plugin's id: the target of the on-behalf-of tokens, and what
 * discovery resolves.
 */
const PLATFORM_PLUGIN_ID = 'platform';

/** @public */
export interface HttpPlatformServiceOptions {
  discovery: DiscoveryService;
  /** The calling plugin's auth service: it issues the on-behalf-of tokens. */
  auth: AuthService;
  /** The calling plugin's events service: change notices arrive on it. */
  events: EventsService;
  logger: LoggerService;
}

/**
 * The platform API for another backend plugin, over HTTP. Each call carries
 * an on-behalf-of token of the caller's credentials, so the platform plugin
 * sees the user (or service) and applies the same permission policy,
 * validation, audit and idempotency as to any other HTTP caller; the platform
 * plugin may run in this backend (loopback) or in another one.
 *
 * Change notices come from the events service (topic
 * {@link PLATFORM_RESOURCE_TOPIC}); between backends they need the events
 * backend's bus.
 *
 * @public
 */
export class HttpPlatformService implements PlatformService {
  private readonly client: PlatformClient;
  private readonly auth: AuthService;
  private readonly events: EventsService;
  private readonly logger: LoggerService;
  private readonly listeners = new Set<
    (change: PlatformResourceChange) => void
  >();
  private subscribed = false;

  constructor(options: HttpPlatformServiceOptions) {
    this.client = new PlatformClient({ discoveryApi: options.discovery });
    this.auth = options.auth;
    this.events = options.events;
    this.logger = options.logger;
  }

  listCapabilities(o: PlatformCallOptions) {
    return this.run(o, r => this.client.listCapabilities(r));
  }
  getCapability(ref: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.getCapability(ref, r));
  }
  listResources(q: ListResourcesQuery, o: PlatformCallOptions) {
    return this.run(o, r => this.client.listResources(q, r));
  }
  getResource(id: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.getResource(id, r));
  }
  createResource(request: CreateResourceRequest, o: CreateResourceOptions) {
    return this.run(o, r =>
      this.client.createResourceWithResult(request, {
        ...r,
        dryRun: o.dryRun,
        idempotencyKey: o.idempotencyKey,
      }),
    );
  }
  updateResource(
    id: string,
    request: UpdateResourceRequest,
    o: PlatformCallOptions,
  ) {
    return this.run(o, r => this.client.updateResource(id, request, r));
  }
  deleteResource(id: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.deleteResource(id, r));
  }
  listChangeRequests(q: ListChangeRequestsQuery, o: PlatformCallOptions) {
    return this.run(o, r => this.client.listChangeRequests(q, r));
  }
  getChangeRequest(id: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.getChangeRequest(id, r));
  }
  approveChangeRequest(
    id: string,
    body: { comment?: string },
    o: PlatformCallOptions,
  ) {
    return this.run(o, r => this.client.approveChangeRequest(id, body, r));
  }
  rejectChangeRequest(
    id: string,
    body: { comment: string },
    o: PlatformCallOptions,
  ) {
    return this.run(o, r => this.client.rejectChangeRequest(id, body, r));
  }
  cancelChangeRequest(id: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.cancelChangeRequest(id, r));
  }
  retryResource(id: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.retryResource(id, r));
  }
  getResourceHistory(id: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.getResourceHistory(id, r));
  }
  getResourceLogs(id: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.getResourceLogs(id, r));
  }
  getFleetSummary(o: PlatformCallOptions) {
    return this.run(o, r => this.client.getFleetSummary(r));
  }
  reconcileCapability(ref: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.reconcileCapability(ref, r));
  }
  createRollout(request: CreateRolloutRequest, o: PlatformCallOptions) {
    return this.run(o, r => this.client.createRollout(request, r));
  }
  getRollout(id: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.getRollout(id, r));
  }
  listRollouts(filter: { capabilityRef?: string }, o: PlatformCallOptions) {
    return this.run(o, r => this.client.listRollouts(filter, r));
  }
  pauseRollout(id: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.pauseRollout(id, r));
  }
  resumeRollout(id: string, o: PlatformCallOptions) {
    return this.run(o, r => this.client.resumeRollout(id, r));
  }

  subscribe(listener: (change: PlatformResourceChange) => void): () => void {
    this.listeners.add(listener);
    this.subscribeOnce();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * One events subscription per plugin, made on the first `subscribe`: the
   * events service has no unsubscribe, so listeners come and go in a set.
   */
  private subscribeOnce() {
    if (this.subscribed) return;
    this.subscribed = true;
    this.events
      .subscribe({
        id: 'platform-service',
        topics: [PLATFORM_RESOURCE_TOPIC],
        onEvent: async params => {
          const payload = params.eventPayload as
            | Partial<PlatformResourceChangedEvent>
            | undefined;
          if (typeof payload?.resourceId !== 'string') return;
          const change: PlatformResourceChange = {
            resourceId: payload.resourceId,
          };
          for (const listener of [...this.listeners]) {
            try {
              listener(change);
            } catch (error) {
              this.logger.warn(`A platform change listener failed: ${error}`);
            }
          }
        },
      })
      .catch(error => {
        this.subscribed = false;
        this.logger.warn(
          `Could not subscribe to ${PLATFORM_RESOURCE_TOPIC} events; changes are seen by polling only: ${error}`,
        );
      });
  }

  private async run<T>(
    options: PlatformCallOptions,
    call: (request: PlatformRequestOptions) => Promise<T>,
  ): Promise<T> {
    const { token } = await this.auth.getPluginRequestToken({
      onBehalfOf: options.credentials as BackstageCredentials,
      targetPluginId: PLATFORM_PLUGIN_ID,
    });
    try {
      return await call({ token, engineToken: options.engineToken });
    } catch (error) {
      throw toBackstageError(error);
    }
  }
}

/**
 * The server's error as the Backstage error type of its status, with the
 * server's message, so callers can tell a missing resource from a conflict
 * the same way as a caller in the platform plugin would.
 */
function toBackstageError(error: unknown): unknown {
  if (!(error instanceof ResponseError)) return error;
  const message = error.body?.error?.message || error.message;
  switch (error.statusCode) {
    case 400:
      return new InputError(message, error);
    case 401:
      return new AuthenticationError(message, error);
    case 403:
      return new NotAllowedError(message, error);
    case 404:
      return new NotFoundError(message, error);
    case 409:
      return new ConflictError(message, error);
    case 503:
      return new ServiceUnavailableError(message, error);
    default:
      return error;
  }
}
