import {
  AuthenticationError,
  InputError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  EngineObjectRef,
  PipelineLog,
  UserAuthRequirement,
} from '@trellis/backstage-plugin-platform-common';
import {
  DesiredResource,
  EngineCallContext,
  EngineCapability,
  EngineChange,
  EngineResourceRef,
  ObservedState,
  PlatformEngine,
} from '../engines';

/** @public */
export interface InMemoryEngineOptions {
  id?: string;
  title?: string;
  capabilities?: EngineCapability[];
  /** Implement `upgrade` (default true). */
  supportsUpgrade?: boolean;
  /**
   * When true, `apply` immediately reports the resource Ready at the applied
   * generation, and `delete` immediately reports it gone. Default false: the
   * test drives every transition with `report` and `finishDelete`.
   */
  autoReconcile?: boolean;
  /** Milliseconds every `apply` takes, to widen race windows in tests. */
  applyDelayMs?: number;
  /**
   * Act as the user: changes then need a token from `trustedTokens`, like a
   * target system that trusts the portal's identity provider.
   */
  userAuth?: UserAuthRequirement;
  /**
   * Behave as an engine that lives inside one backend process (see
   * `PlatformEngine.instanceId`): give each replica's engine its own id.
   */
  instanceId?: string;
}

/** One change call and the context it came with. @public */
export interface InMemoryEngineCall {
  method: 'apply' | 'delete' | 'upgrade' | 'reconcileAll';
  /** The resource id, or the capability name for `reconcileAll`. */
  target: string;
  context?: EngineCallContext;
}

/**
 * An engine for tests whose state a test drives step by step: it records every
 * call, can be taken offline, and reports exactly the transitions the test asks
 * for.
 *
 * @public
 */
export class InMemoryEngine implements PlatformEngine {
  readonly id: string;
  readonly title: string;
  readonly userAuth?: UserAuthRequirement;
  readonly instanceId?: string;
  /** With `userAuth`: the tokens the target accepts; others get AuthenticationError. */
  readonly trustedTokens = new Set<string>();
  /** Every change call that got past the availability and token checks, in order. */
  readonly calls: InMemoryEngineCall[] = [];
  /** Every successful `apply` call, in order. */
  readonly applied: DesiredResource[] = [];
  /** Every successful `delete` call, in order. */
  readonly deleted: EngineResourceRef[] = [];
  /** Every successful `upgrade` call, in order. */
  readonly upgrades: Array<{ resourceId: string; toVersion: string }> = [];
  /** Observed state per resource id. */
  readonly instances = new Map<string, ObservedState>();
  /** Logs per resource id, returned by `getLogs`. */
  readonly logs = new Map<string, PipelineLog[]>();
  upgrade?: (
    resource: EngineResourceRef,
    toVersion: string,
    context?: EngineCallContext,
  ) => Promise<void>;
  /** Set by a test that needs the optional `reconcileAll`. */
  reconcileAll?: (
    capability: string,
    context?: EngineCallContext,
  ) => Promise<void>;

  private capabilities: EngineCapability[];
  private available = true;
  private nextApplyError?: Error;
  private readonly listeners = new Set<(change: EngineChange) => void>();
  private readonly autoReconcile: boolean;
  private readonly applyDelayMs: number;

  constructor(options: InMemoryEngineOptions = {}) {
    this.id = options.id ?? 'memory';
    this.title = options.title ?? 'In-memory test engine';
    this.capabilities = options.capabilities ?? [];
    this.autoReconcile = options.autoReconcile ?? false;
    this.applyDelayMs = options.applyDelayMs ?? 0;
    this.userAuth = options.userAuth;
    this.instanceId = options.instanceId;
    if (options.supportsUpgrade ?? true) {
      this.upgrade = async (resource, toVersion, context) => {
        this.ensureAvailable();
        this.record('upgrade', resource.resourceId, context);
        const state = this.instances.get(resource.resourceId);
        if (!state) {
          throw new InputError(`No instance ${resource.resourceId}`);
        }
        this.upgrades.push({ resourceId: resource.resourceId, toVersion });
        if (this.autoReconcile) {
          this.report(resource.resourceId, {
            phase: 'Ready',
            appliedVersion: toVersion,
          });
        } else {
          this.report(resource.resourceId, { phase: 'Updating' });
        }
      };
    }
  }

  /** Replaces the capabilities and tells the platform. */
  setCapabilities(capabilities: EngineCapability[]) {
    this.capabilities = capabilities;
    this.emit({ type: 'capabilities' });
  }

  /** Takes the engine offline (every call throws ServiceUnavailableError) or back. */
  setAvailable(available: boolean) {
    this.available = available;
  }

  /** Makes the next `apply` throw this error. */
  failNextApply(error: Error) {
    this.nextApplyError = error;
  }

  /** Changes a resource's observed state and pushes the change. */
  report(resourceId: string, patch: Partial<ObservedState>): ObservedState {
    const current = this.instances.get(resourceId);
    if (!current) {
      throw new Error(`InMemoryEngine has no instance ${resourceId}`);
    }
    const next: ObservedState = { ...current, ...patch, resourceId };
    this.instances.set(resourceId, next);
    this.emit({ type: 'observed', state: next });
    return next;
  }

  /** Completes a delete: the instance is gone and the platform is told. */
  finishDelete(resourceId: string) {
    const current = this.instances.get(resourceId);
    this.instances.delete(resourceId);
    this.emit({
      type: 'deleted',
      resource: { resourceId, engineRef: current?.engineRef },
    });
  }

  /** How many times a resource was applied at a generation. */
  applyCount(resourceId: string, generation?: number): number {
    return this.applied.filter(
      d =>
        d.resourceId === resourceId &&
        (generation === undefined || d.generation === generation),
    ).length;
  }

  async listCapabilities(): Promise<EngineCapability[]> {
    this.ensureAvailable();
    return this.capabilities;
  }

  async apply(
    desired: DesiredResource,
    context?: EngineCallContext,
  ): Promise<{ engineRef: EngineObjectRef }> {
    this.ensureAvailable();
    this.record('apply', desired.resourceId, context);
    if (this.applyDelayMs) {
      await new Promise(resolve => setTimeout(resolve, this.applyDelayMs));
    }
    if (this.nextApplyError) {
      const error = this.nextApplyError;
      this.nextApplyError = undefined;
      throw error;
    }
    this.applied.push(desired);
    const engineRef = { id: desired.resourceId, name: desired.name };
    const existing = this.instances.get(desired.resourceId);
    const state: ObservedState = existing
      ? { ...existing }
      : {
          resourceId: desired.resourceId,
          engineRef,
          phase: 'Provisioning',
          observedGeneration: 0,
          conditions: [],
          outputs: {},
          appliedVersion: desired.version,
        };
    this.instances.set(desired.resourceId, state);
    if (this.autoReconcile) {
      queueMicrotask(() =>
        this.report(desired.resourceId, {
          phase: 'Ready',
          observedGeneration: desired.generation,
        }),
      );
    }
    return { engineRef };
  }

  async delete(
    resource: EngineResourceRef,
    context?: EngineCallContext,
  ): Promise<void> {
    this.ensureAvailable();
    this.record('delete', resource.resourceId, context);
    this.deleted.push(resource);
    if (!this.instances.has(resource.resourceId)) {
      return;
    }
    if (this.autoReconcile) {
      queueMicrotask(() => this.finishDelete(resource.resourceId));
    } else {
      this.report(resource.resourceId, { phase: 'Deleting' });
    }
  }

  async observe(
    resource: EngineResourceRef,
  ): Promise<ObservedState | undefined> {
    this.ensureAvailable();
    return this.instances.get(resource.resourceId);
  }

  async observeAll(): Promise<ObservedState[]> {
    this.ensureAvailable();
    return [...this.instances.values()];
  }

  async getLogs(resource: EngineResourceRef): Promise<PipelineLog[]> {
    this.ensureAvailable();
    return this.logs.get(resource.resourceId) ?? [];
  }

  watch(listener: (change: EngineChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Checks the user's token when acting as the user (an AuthenticationError
   * for a token the target does not trust), then records the call. Test
   * implementations of `reconcileAll` call it too.
   */
  record(
    method: InMemoryEngineCall['method'],
    target: string,
    context?: EngineCallContext,
  ) {
    if (this.userAuth) {
      const token = context?.userToken;
      if (!token || !this.trustedTokens.has(token)) {
        throw new AuthenticationError(
          `Engine ${this.id} rejected the token of ${
            context?.actor ?? 'the caller'
          }`,
        );
      }
    }
    this.calls.push({ method, target, context });
  }

  private emit(change: EngineChange) {
    for (const listener of this.listeners) listener(change);
  }

  private ensureAvailable() {
    if (!this.available) {
      throw new ServiceUnavailableError(`Engine ${this.id} is unavailable`);
    }
  }
}

/**
 * A capability for tests: a database with a `size` enum and a default.
 *
 * @public
 */
export function testCapability(
  overrides: Partial<EngineCapability> = {},
): EngineCapability {
  return {
    name: 'database',
    title: 'Test database',
    description: 'A database for tests',
    version: '1.0.0',
    versions: ['1.0.0', '2.0.0'],
    inputSchema: {
      type: 'object',
      properties: {
        size: {
          type: 'string',
          enum: ['small', 'medium', 'large'],
          default: 'small',
          description: 'How big',
        },
        replicas: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
      },
      additionalProperties: false,
    },
    available: true,
    owner: 'group:default/platform-team',
    tags: ['database'],
    ...overrides,
  };
}
