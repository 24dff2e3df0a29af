import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  Capability,
  CreateResourceRequest,
  PlatformResource,
  ResourceOutputs,
  ResourcePhase,
  UpdateResourceRequest,
} from '@trellis/backstage-plugin-platform-common';
import {
  CreateResourceOptions,
  CreateResourceResult,
  PlatformCallOptions,
  PlatformResourceChange,
  PlatformService,
} from '@trellis/backstage-plugin-platform-node';

export const DATABASE: Capability = {
  ref: 'local:postgresql',
  engine: 'local',
  name: 'postgresql',
  title: 'PostgreSQL database',
  description: 'A PostgreSQL database',
  version: '16.2',
  versions: ['15.6', '16.2'],
  inputSchema: {
    type: 'object',
    properties: {
      size: { type: 'string', enum: ['small', 'large'], default: 'small' },
    },
  },
  available: true,
  owner: 'group:default/platform-team',
  tags: ['database'],
  links: [],
};

function principalOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as { userEntityRef?: string };
  return principal.userEntityRef ?? 'unknown';
}

function notUsed(): never {
  throw new Error('Not used by the scaffolder actions');
}

/**
 * A platform service for action tests: resources live in memory, the test
 * moves them between phases with `setPhase`, and subscribers hear about it
 * the way they do from the real service.
 */
export class FakePlatform implements PlatformService {
  readonly resources = new Map<string, PlatformResource>();
  /** When false, changes are not announced: only reads see them. */
  announceChanges = true;
  private readonly listeners = new Set<
    (change: PlatformResourceChange) => void
  >();
  private readonly idempotencyKeys = new Map<string, string>();
  private nextId = 1;

  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** Adds a resource as if it had been requested earlier. */
  add(patch: Partial<PlatformResource> & { name: string }): PlatformResource {
    const resource: PlatformResource = {
      ...this.draft({
        capabilityRef: DATABASE.ref,
        environment: 'dev',
        owner: 'group:default/team-a',
        ...patch,
      }),
      ...patch,
    };
    this.resources.set(resource.id, resource);
    return resource;
  }

  /** Moves a resource to a phase, as the engine would, and announces it. */
  setPhase(
    id: string,
    phase: ResourcePhase,
    extra: { message?: string; outputs?: ResourceOutputs } = {},
  ) {
    const resource = this.mustGet(id);
    const next: PlatformResource = {
      ...resource,
      status: { phase, message: extra.message, conditions: [] },
      outputs: extra.outputs ?? resource.outputs,
      observedGeneration:
        phase === 'Ready' ? resource.generation : resource.observedGeneration,
      updatedAt: new Date().toISOString(),
    };
    this.resources.set(id, next);
    this.announce(next);
  }

  async listCapabilities(): Promise<Capability[]> {
    return [DATABASE];
  }

  async getCapability(ref: string): Promise<Capability> {
    if (ref !== DATABASE.ref) throw new NotFoundError(`No capability ${ref}`);
    return DATABASE;
  }

  async createResource(
    request: CreateResourceRequest,
    options: CreateResourceOptions,
  ): Promise<CreateResourceResult> {
    const resource = this.draft(request, options.credentials);
    if (options.dryRun) {
      return { resource, created: false };
    }
    const key =
      options.idempotencyKey &&
      `${principalOf(options.credentials)}/${options.idempotencyKey}`;
    const earlier = key && this.idempotencyKeys.get(key);
    if (earlier) {
      return { resource: this.mustGet(earlier), created: false };
    }
    this.resources.set(resource.id, resource);
    if (key) this.idempotencyKeys.set(key, resource.id);
    this.announce(resource);
    return { resource, created: true };
  }

  async getResource(id: string): Promise<PlatformResource> {
    return this.mustGet(id);
  }

  async updateResource(
    id: string,
    request: UpdateResourceRequest,
  ): Promise<PlatformResource> {
    const resource = this.mustGet(id);
    if (resource.generation !== request.generation) {
      throw new ConflictError(
        `Resource ${resource.name} is at generation ${resource.generation}, not ${request.generation}: reload it and apply your change again`,
      );
    }
    const updated: PlatformResource = {
      ...resource,
      spec: { size: 'small', ...request.spec },
      generation: resource.generation + 1,
      status: { phase: 'Updating', conditions: [] },
    };
    this.resources.set(id, updated);
    this.announce(updated);
    return updated;
  }

  async deleteResource(id: string): Promise<PlatformResource> {
    const resource = this.mustGet(id);
    if (resource.status.phase === 'Deleted') {
      throw new NotFoundError(`No resource ${id}`);
    }
    const deleting: PlatformResource = {
      ...resource,
      status: { phase: 'Deleting', conditions: [] },
    };
    this.resources.set(id, deleting);
    this.announce(deleting);
    return deleting;
  }

  subscribe(listener: (change: PlatformResourceChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  retryResource = notUsed;
  getResourceHistory = notUsed;
  getResourceLogs = notUsed;
  listResources = notUsed;
  getFleetSummary = notUsed;
  reconcileCapability = notUsed;
  createRollout = notUsed;
  getRollout = notUsed;
  listRollouts = notUsed;
  pauseRollout = notUsed;
  resumeRollout = notUsed;

  private draft(
    request: CreateResourceRequest,
    credentials?: PlatformCallOptions['credentials'],
  ): PlatformResource {
    const now = new Date().toISOString();
    return {
      id: `resource-${this.nextId++}`,
      capabilityRef: request.capabilityRef,
      name: request.name,
      environment: request.environment,
      owner: request.owner,
      requestedBy: credentials ? principalOf(credentials) : 'user:default/mock',
      component: request.component,
      // The capability's schema default, as the real service applies it.
      spec: { size: 'small', ...request.spec },
      generation: 1,
      observedGeneration: 0,
      status: { phase: 'Pending', conditions: [] },
      outputs: {},
      createdAt: now,
      updatedAt: now,
    };
  }

  private mustGet(id: string): PlatformResource {
    const resource = this.resources.get(id);
    if (!resource) throw new NotFoundError(`No resource ${id}`);
    return resource;
  }

  private announce(resource: PlatformResource) {
    if (!this.announceChanges) return;
    const change: PlatformResourceChange = { resourceId: resource.id };
    for (const listener of [...this.listeners]) listener(change);
  }
}
