import { createExtensionPoint } from '@backstage/backend-plugin-api';
import {
  EngineObjectRef,
  JsonObject,
  PipelineLog,
  PlatformLink,
  ResourceCondition,
  ResourceOutputs,
  ResourcePhase,
  UserAuthRequirement,
} from '@trellis/backstage-plugin-platform-common';

/**
 * A capability as an engine describes it. The platform turns it into a
 * `Capability` with the ref `<engine id>:<name>`.
 *
 * @public
 */
export interface EngineCapability {
  /** Unique within the engine: lower-case letters, digits, dashes and dots. */
  name: string;
  title: string;
  description?: string;
  /** The version new instances get. */
  version: string;
  /** Every version the engine can move an instance to, oldest first. */
  versions?: string[];
  instanceApiVersion?: string;
  instanceKind?: string;
  /** JSON Schema of a request's `spec`. */
  inputSchema: JsonObject;
  available: boolean;
  availabilityMessage?: string;
  /** Entity ref of the owning team. */
  owner?: string;
  tags?: string[];
  links?: PlatformLink[];
  /**
   * Every create, update and delete of its resources needs a person's
   * approval: engines set it from the definition's
   * `trellis.dev/requires-approval: "true"` annotation
   * (`CAPABILITY_ANNOTATIONS.requiresApproval`, `parseRequiresApproval`).
   */
  requiresApproval?: boolean;
}

/**
 * Identifies one resource towards its engine.
 *
 * @public
 */
export interface EngineResourceRef {
  /** The Trellis resource id; engines label what they create with it. */
  resourceId: string;
  /** What `apply` returned last, when it has been applied before. */
  engineRef?: EngineObjectRef;
}

/**
 * The desired state of one resource, as the platform asks an engine to make
 * it so.
 *
 * @public
 */
export interface DesiredResource extends EngineResourceRef {
  /** The capability's name within the engine (without the engine id). */
  capability: string;
  name: string;
  environment: string;
  /** Entity ref of the owning group. */
  owner: string;
  /** Entity ref of the requesting user. */
  requestedBy: string;
  component?: string;
  /** Validated against the capability's input schema, defaults applied. */
  spec: JsonObject;
  generation: number;
  /** The capability version to create the instance at. */
  version: string;
}

/**
 * What an engine observes of one resource, mapped to the normalized phases.
 *
 * @public
 */
export interface ObservedState extends EngineResourceRef {
  engineRef: EngineObjectRef;
  phase: ResourcePhase;
  message?: string;
  /** The generation the engine last reconciled (0 when not yet). */
  observedGeneration: number;
  conditions: ResourceCondition[];
  outputs: ResourceOutputs;
  /** The capability version the instance is at. */
  appliedVersion?: string;
}

/**
 * On whose behalf a change is made.
 *
 * @public
 */
export interface EngineCallContext {
  /** Entity ref of the user or service that asked for the change. */
  actor: string;
  /**
   * The actor's own token for the engine's target system, issued by the
   * provider in `PlatformEngine.userAuth`. The platform passes one whenever
   * the engine declares `userAuth`; it never passes one otherwise.
   */
  userToken?: string;
}

/**
 * A change an engine pushes to the platform.
 *
 * - `observed`: a resource's observed state changed.
 * - `deleted`: a resource is gone from the engine (delete finished).
 * - `capabilities`: the engine's capabilities changed; the platform lists them again.
 *
 * @public
 */
export type EngineChange =
  | { type: 'observed'; state: ObservedState }
  | { type: 'deleted'; resource: EngineResourceRef }
  | { type: 'capabilities' };

/**
 * An orchestration engine the platform delegates work to.
 *
 * Errors: throw `ServiceUnavailableError` from `@backstage/errors` when the
 * engine cannot be reached (the platform retries with backoff), `InputError`
 * when the engine rejects the desired state (the resource fails with the
 * message), `NotFoundError`, `ConflictError` and `NotAllowedError` for what
 * their names say. Any other error is treated like `ServiceUnavailableError`.
 *
 * Engines never touch the platform's database; they report state through
 * return values and `watch`.
 *
 * @public
 */
export interface PlatformEngine {
  /** Unique id, a DNS label such as `local` or `kubernetes`. */
  readonly id: string;
  /** Human readable name shown in the portal. */
  readonly title: string;

  /**
   * Declared by engines that change their target system with the requesting
   * user's own identity (per-user token passthrough) rather than their own.
   * The platform then calls `apply`, `delete`, `upgrade` and `reconcileAll`
   * only with `context.userToken`, a token from `provider` that it holds in
   * memory until it expires and never stores. Without one, the change waits
   * (`pending.state: awaiting-credentials`) until someone permitted hands a
   * token over. Reads and watches keep using the engine's own identity.
   *
   * When the target rejects the user's token, throw `AuthenticationError`
   * from `@backstage/errors` (the change then waits for fresh credentials);
   * when it forbids the user the change, throw `NotAllowedError`.
   */
  readonly userAuth?: UserAuthRequirement;

  /**
   * Declared by engines whose state lives with one backend process, such as
   * the embedded local engine: a stable id of that state (the same after a
   * restart of the process, different on every replica). With several
   * replicas each has its own instance of such an engine, so the platform
   * binds every resource to the instance that applies it first: only that
   * instance applies, deletes, upgrades, observes and re-applies it, and a
   * resource is never provisioned by two instances. Engines without it are
   * one shared system every replica reaches (a Kubernetes cluster).
   */
  readonly instanceId?: string;

  /** The capabilities the engine offers now. */
  listCapabilities(): Promise<EngineCapability[]>;

  /**
   * Creates or updates the resource to match `desired`. Idempotent: applying
   * the same desired state twice has the effect of applying it once. Returns
   * quickly; progress is reported through `watch`.
   */
  apply(
    desired: DesiredResource,
    context?: EngineCallContext,
  ): Promise<{ engineRef: EngineObjectRef }>;

  /**
   * Starts deleting the resource. Idempotent; deleting something already gone
   * succeeds. Completion is reported as a `deleted` change.
   */
  delete(
    resource: EngineResourceRef,
    context?: EngineCallContext,
  ): Promise<void>;

  /** The observed state of one resource, or undefined when it does not exist. */
  observe(resource: EngineResourceRef): Promise<ObservedState | undefined>;

  /**
   * The observed state of every resource the engine manages for the
   * platform, for the periodic full resync. Engines that can list cheaply
   * should implement it; otherwise the platform calls `observe` per resource.
   */
  observeAll?(): Promise<ObservedState[]>;

  /** Subscribes to changes; returns the function that unsubscribes. */
  watch(listener: (change: EngineChange) => void): () => void;

  /**
   * Moves one instance to another version of its capability. Optional: the
   * platform's rollouts refuse capabilities of engines without it.
   */
  upgrade?(
    resource: EngineResourceRef,
    toVersion: string,
    context?: EngineCallContext,
  ): Promise<void>;

  /**
   * Runs the configure workflows of every instance of a capability again
   * (Kratix: the `kratix.io/reconcile-resources` label), e.g. after a change
   * outside the platform. Optional.
   */
  reconcileAll?(capability: string, context?: EngineCallContext): Promise<void>;

  /** Logs of the resource's pipeline runs, newest last, where kept. */
  getLogs?(resource: EngineResourceRef): Promise<PipelineLog[]>;
}

/**
 * Lets backend modules add orchestration engines to the platform plugin.
 *
 * @public
 */
export interface PlatformEnginesExtensionPoint {
  addEngine(engine: PlatformEngine): void;
}

/** @public */
export const platformEnginesExtensionPoint =
  createExtensionPoint<PlatformEnginesExtensionPoint>({
    id: 'platform.engines',
  });

const ENGINE_ID = /^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/;
const ENGINE_METHODS = [
  'listCapabilities',
  'apply',
  'delete',
  'observe',
  'watch',
] as const;

/**
 * Throws a descriptive error when an engine cannot be registered.
 *
 * @public
 */
export function assertValidEngine(
  engine: unknown,
): asserts engine is PlatformEngine {
  if (typeof engine !== 'object' || engine === null) {
    throw new TypeError('A platform engine must be an object');
  }
  const { id, title } = engine as Partial<PlatformEngine>;
  if (typeof id !== 'string' || !ENGINE_ID.test(id)) {
    throw new TypeError(
      `Invalid platform engine id ${JSON.stringify(
        id,
      )}: use 1-32 lower-case letters, digits and dashes, starting with a letter`,
    );
  }
  if (typeof title !== 'string' || title.trim() === '') {
    throw new TypeError(`Platform engine '${id}' must have a title`);
  }
  const { userAuth } = engine as Partial<PlatformEngine>;
  if (
    userAuth !== undefined &&
    (typeof userAuth !== 'object' ||
      userAuth === null ||
      typeof userAuth.provider !== 'string' ||
      userAuth.provider.trim() === '')
  ) {
    throw new TypeError(
      `Platform engine '${id}' declares userAuth without a provider`,
    );
  }
  const { instanceId } = engine as Partial<PlatformEngine>;
  if (
    instanceId !== undefined &&
    (typeof instanceId !== 'string' || !/^[\w.:-]{1,128}$/.test(instanceId))
  ) {
    throw new TypeError(
      `Platform engine '${id}' declares an invalid instanceId ${JSON.stringify(
        instanceId,
      )}: use 1-128 letters, digits, '.', ':', '_' or '-'`,
    );
  }
  for (const method of ENGINE_METHODS) {
    if (typeof (engine as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(
        `Platform engine '${id}' does not implement ${method}()`,
      );
    }
  }
}
