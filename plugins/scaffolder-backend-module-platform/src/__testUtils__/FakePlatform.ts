import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  ApprovalReason,
  Capability,
  ChangeRequest,
  ChangeRequestOperation,
  ChangeRequestPage,
  CreateResourceRequest,
  JsonObject,
  ListChangeRequestsQuery,
  PendingApproval,
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
  /** Change requests by id, as the platform keeps them. */
  readonly changeRequests = new Map<string, ChangeRequest>();
  /**
   * Which changes need approval, as the platform's rules decide: the reasons,
   * or undefined for none. Default: none.
   */
  needsApproval: (
    operation: ChangeRequestOperation,
    resource: Pick<PlatformResource, 'environment' | 'capabilityRef'>,
  ) => ApprovalReason[] | undefined = () => undefined;

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
  ): Promise<CreateResourceResult | PendingApproval> {
    const resource = this.draft(request, options.credentials);
    const reasons = this.needsApproval('create', resource);
    if (options.dryRun) {
      return {
        resource: reasons
          ? { ...resource, approvalRequired: true, approvalReasons: reasons }
          : resource,
        created: false,
      };
    }
    const key =
      options.idempotencyKey &&
      `${principalOf(options.credentials)}/${options.idempotencyKey}`;
    const earlier = key && this.idempotencyKeys.get(key);
    if (earlier?.startsWith('cr:')) {
      return this.pending(this.changeRequests.get(earlier.slice(3))!);
    }
    if (earlier) {
      return { resource: this.mustGet(earlier), created: false };
    }
    if (reasons) {
      const cr = this.request('create', resource, reasons, options, {
        request: { ...request, spec: resource.spec },
      });
      if (key) this.idempotencyKeys.set(key, `cr:${cr.id}`);
      return this.pending(cr);
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
    options?: PlatformCallOptions,
  ): Promise<PlatformResource | PendingApproval> {
    const resource = this.mustGet(id);
    if (resource.generation !== request.generation) {
      throw new ConflictError(
        `Resource ${resource.name} is at generation ${resource.generation}, not ${request.generation}: reload it and apply your change again`,
      );
    }
    this.refuseSecondChange(id);
    const reasons = this.needsApproval('update', resource);
    if (reasons) {
      return this.pending(
        this.request('update', resource, reasons, options, {
          spec: request.spec,
        }),
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

  async deleteResource(
    id: string,
    options?: PlatformCallOptions,
  ): Promise<PlatformResource | PendingApproval> {
    const resource = this.mustGet(id);
    if (resource.status.phase === 'Deleted') {
      throw new NotFoundError(`No resource ${id}`);
    }
    this.refuseSecondChange(id);
    const reasons = this.needsApproval('delete', resource);
    if (reasons) {
      return this.pending(this.request('delete', resource, reasons, options));
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

  async listChangeRequests(
    query: ListChangeRequestsQuery,
  ): Promise<ChangeRequestPage> {
    const items = [...this.changeRequests.values()]
      .filter(cr => !query.status || query.status.includes(cr.status))
      .filter(cr => !query.resourceId || cr.resource.id === query.resourceId)
      .reverse();
    return { items: items.slice(0, query.limit ?? 50) };
  }

  async getChangeRequest(id: string): Promise<ChangeRequest> {
    const cr = this.changeRequests.get(id);
    if (!cr) throw new NotFoundError(`No change request ${id}`);
    return cr;
  }

  approveChangeRequest = notUsed;
  rejectChangeRequest = notUsed;
  cancelChangeRequest = notUsed;
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

  /** One pending change request per resource, as the platform allows. */
  private refuseSecondChange(resourceId: string) {
    const waiting = [...this.changeRequests.values()].find(
      cr => cr.resource.id === resourceId && cr.status === 'pending',
    );
    if (waiting) {
      throw new ConflictError(
        `Change request ${waiting.id} (${waiting.operation}) is pending for this resource`,
      );
    }
  }

  private request(
    operation: ChangeRequestOperation,
    resource: PlatformResource,
    reasons: ApprovalReason[],
    options: PlatformCallOptions | undefined,
    change: { spec?: JsonObject; request?: CreateResourceRequest } = {},
  ): ChangeRequest {
    const id = String(this.changeRequests.size + 42);
    const now = new Date();
    const cr: ChangeRequest = {
      id,
      operation,
      status: 'pending',
      reasons,
      resource: {
        id: operation === 'create' ? undefined : resource.id,
        name: resource.name,
        capability: resource.capabilityRef,
        environment: resource.environment,
        owner: resource.owner,
        entityRef: resource.component,
      },
      change,
      baseGeneration: operation === 'create' ? undefined : resource.generation,
      requestedBy: options
        ? principalOf(options.credentials)
        : 'user:default/mock',
      requestedByType: 'user',
      via: 'scaffolder',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3 * 86_400_000).toISOString(),
      message: `Needs approval: ${operation} of ${resource.name} (${resource.environment}). Change request ${id}`,
    };
    this.changeRequests.set(id, cr);
    return cr;
  }

  private pending(cr: ChangeRequest): PendingApproval {
    return { changeRequest: cr, message: cr.message };
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
