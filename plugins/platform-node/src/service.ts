import {
  BackstageCredentials,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
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
  ResourceSignal,
  Rollout,
  UpdateResourceRequest,
} from '@trellis/backstage-plugin-platform-common';

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
 * The platform API for other backend plugins and modules (scaffolder actions,
 * catalog provider, MCP actions), in-process and with the caller's
 * credentials, so the same permissions apply as over HTTP.
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
  createResource(
    request: CreateResourceRequest,
    options: CreateResourceOptions,
  ): Promise<CreateResourceResult>;
  updateResource(
    id: string,
    request: UpdateResourceRequest,
    options: PlatformCallOptions,
  ): Promise<PlatformResource>;
  deleteResource(
    id: string,
    options: PlatformCallOptions,
  ): Promise<PlatformResource>;
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
   */
  subscribe(listener: (signal: ResourceSignal) => void): () => void;
}

const ATTACH_TIMEOUT_MS = 30_000;

/**
 * Connects callers in other plugins with the platform plugin's
 * implementation, which attaches itself when the platform plugin starts.
 * Calls made before that wait for it (up to 30 seconds).
 *
 * @public
 */
export class PlatformServiceBridge implements PlatformService {
  private impl?: PlatformService;
  private readonly waiting: Array<(impl: PlatformService) => void> = [];

  /** Called by the platform plugin. */
  attach(impl: PlatformService) {
    this.impl = impl;
    for (const resolve of this.waiting.splice(0)) resolve(impl);
  }

  private async target(): Promise<PlatformService> {
    if (this.impl) return this.impl;
    return new Promise<PlatformService>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const onAttach = (impl: PlatformService) => {
        clearTimeout(timer);
        resolve(impl);
      };
      timer = setTimeout(() => {
        const index = this.waiting.indexOf(onAttach);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(
          new ServiceUnavailableError(
            'The platform plugin is not running; install @trellis/backstage-plugin-platform-backend in the backend',
          ),
        );
      }, ATTACH_TIMEOUT_MS);
      this.waiting.push(onAttach);
    });
  }

  async listCapabilities(o: PlatformCallOptions) {
    return (await this.target()).listCapabilities(o);
  }
  async getCapability(ref: string, o: PlatformCallOptions) {
    return (await this.target()).getCapability(ref, o);
  }
  async listResources(q: ListResourcesQuery, o: PlatformCallOptions) {
    return (await this.target()).listResources(q, o);
  }
  async getResource(id: string, o: PlatformCallOptions) {
    return (await this.target()).getResource(id, o);
  }
  async createResource(r: CreateResourceRequest, o: CreateResourceOptions) {
    return (await this.target()).createResource(r, o);
  }
  async updateResource(
    id: string,
    r: UpdateResourceRequest,
    o: PlatformCallOptions,
  ) {
    return (await this.target()).updateResource(id, r, o);
  }
  async deleteResource(id: string, o: PlatformCallOptions) {
    return (await this.target()).deleteResource(id, o);
  }
  async retryResource(id: string, o: PlatformCallOptions) {
    return (await this.target()).retryResource(id, o);
  }
  async getResourceHistory(id: string, o: PlatformCallOptions) {
    return (await this.target()).getResourceHistory(id, o);
  }
  async getResourceLogs(id: string, o: PlatformCallOptions) {
    return (await this.target()).getResourceLogs(id, o);
  }
  async getFleetSummary(o: PlatformCallOptions) {
    return (await this.target()).getFleetSummary(o);
  }
  async reconcileCapability(ref: string, o: PlatformCallOptions) {
    return (await this.target()).reconcileCapability(ref, o);
  }
  async createRollout(r: CreateRolloutRequest, o: PlatformCallOptions) {
    return (await this.target()).createRollout(r, o);
  }
  async getRollout(id: string, o: PlatformCallOptions) {
    return (await this.target()).getRollout(id, o);
  }
  async listRollouts(f: { capabilityRef?: string }, o: PlatformCallOptions) {
    return (await this.target()).listRollouts(f, o);
  }
  async pauseRollout(id: string, o: PlatformCallOptions) {
    return (await this.target()).pauseRollout(id, o);
  }
  async resumeRollout(id: string, o: PlatformCallOptions) {
    return (await this.target()).resumeRollout(id, o);
  }
  subscribe(listener: (signal: ResourceSignal) => void): () => void {
    let unsubscribe: (() => void) | undefined;
    let cancelled = false;
    this.target().then(
      impl => {
        if (!cancelled) unsubscribe = impl.subscribe(listener);
      },
      () => {},
    );
    return () => {
      cancelled = true;
      unsubscribe?.();
    };
  }
}

/**
 * The platform API in-process. Root scoped: one instance that the platform
 * plugin attaches its implementation to and every other plugin calls.
 *
 * @public
 */
export const platformServiceRef = createServiceRef<PlatformService>({
  id: 'platform.service',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => new PlatformServiceBridge(),
    }),
});
