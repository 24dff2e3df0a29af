import type * as generated from './generated/models';
import { ResourcePhase } from './phases';

/** A JSON value, as stored in specs and schemas. @public */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A JSON object. @public */
export type JsonObject = { [key: string]: JsonValue };

/** A link to documentation or a dashboard. @public */
export interface PlatformLink {
  url: string;
  title: string;
}

/**
 * Something the platform offers, such as "PostgreSQL database".
 *
 * @public
 */
export interface Capability {
  /** `<engine id>:<name>`, e.g. `local:postgresql`. */
  ref: string;
  engine: string;
  name: string;
  title: string;
  description?: string;
  /** The version new instances get. */
  version: string;
  /** Every version the engine knows of, oldest first (includes `version`). */
  versions: string[];
  /** The engine-native type of an instance, e.g. `marketplace.kratix.io/v1alpha1` `Database`. */
  instanceApiVersion?: string;
  instanceKind?: string;
  /** JSON Schema of the `spec` a request must carry. */
  inputSchema: JsonObject;
  available: boolean;
  /** Why the capability is unavailable, when it is. */
  availabilityMessage?: string;
  /** Entity ref of the team that offers it, e.g. `group:default/platform-team`. */
  owner?: string;
  tags: string[];
  links: PlatformLink[];
  /**
   * Present when the capability's engine acts on the target system with the
   * requesting user's own identity (for example a cluster that trusts the
   * portal's OIDC provider). Changes then need a token from `provider`,
   * sent in the `Trellis-Engine-Authorization` header.
   */
  userAuth?: UserAuthRequirement;
}

/**
 * Which of the portal's sign-in providers issues the tokens an engine passes
 * through to its target system.
 *
 * @public
 */
export interface UserAuthRequirement {
  /**
   * The provider's id in the Backstage app, e.g. `okta`, `google`,
   * `microsoft`, `onelogin`, or the id of a custom OpenID Connect provider.
   */
  provider: string;
}

/**
 * A condition as the engine reports it (Kubernetes style).
 *
 * @public
 */
export interface ResourceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** Non-secret values a resource exposes, such as a host or a URL. @public */
export type ResourceOutputs = Record<string, string | number | boolean>;

/**
 * Where the engine keeps a resource: cluster, namespace, kind and name for
 * Kubernetes, an id for the local engine. Opaque to everyone but the engine.
 *
 * @public
 */
export type EngineObjectRef = Record<string, string>;

/**
 * The normalized status of a resource.
 *
 * @public
 */
export interface ResourceStatus {
  phase: ResourcePhase;
  /** A human readable explanation, e.g. the failing step's message. */
  message?: string;
  conditions: ResourceCondition[];
}

/**
 * One requested instance of a capability.
 *
 * @public
 */
export interface PlatformResource {
  id: string;
  capabilityRef: string;
  name: string;
  environment: string;
  /** Entity ref of the owning group. */
  owner: string;
  /** Entity ref of the user who requested it. */
  requestedBy: string;
  /** Entity ref of the catalog entity (usually a component) it belongs to. */
  component?: string;
  spec: JsonObject;
  /** Increases with every accepted spec change. */
  generation: number;
  /** The generation the engine last reconciled. */
  observedGeneration: number;
  status: ResourceStatus;
  outputs: ResourceOutputs;
  /** The capability version the engine reports the instance at. */
  appliedVersion?: string;
  engineRef?: EngineObjectRef;
  createdAt: string;
  updatedAt: string;
  readyAt?: string;
  deletedAt?: string;
  /**
   * Work the platform owes the engine for this resource and has not handed
   * over yet. Absent once the engine has accepted it.
   */
  pending?: PendingDispatch;
}

/**
 * Why a change is still on its way to the engine.
 *
 * - `queued`: about to be handed over.
 * - `retrying`: the engine could not be reached; retried with backoff.
 * - `awaiting-credentials`: the engine acts with the user's identity and the
 *   platform holds no valid token for it (tokens live in memory only, until
 *   they expire); `POST /resources/{id}/retry` with the header
 *   `Trellis-Engine-Authorization` hands it over.
 *
 * @public
 */
export interface PendingDispatch {
  action: 'apply' | 'delete';
  state: 'queued' | 'retrying' | 'awaiting-credentials';
  /** The last failure, or what is awaited. */
  message?: string;
  attempts: number;
  nextAttemptAt?: string;
}

/** The kinds of history events. @public */
export type ResourceEventType =
  | 'requested'
  | 'phase-changed'
  | 'spec-updated'
  | 'delete-requested'
  | 'deleted'
  | 'upgrade-started'
  | 'upgrade-finished'
  | 'dispatch-failed';

/**
 * One entry of a resource's append-only history.
 *
 * @public
 */
export interface ResourceEvent {
  id: string;
  resourceId: string;
  type: ResourceEventType;
  at: string;
  /** Entity ref of the user or service that caused it, when known. */
  actor?: string;
  fromPhase?: ResourcePhase;
  toPhase?: ResourcePhase;
  reason?: string;
  message?: string;
  generation?: number;
  /** Event specific details, e.g. the versions of an upgrade. */
  data?: JsonObject;
}

/**
 * A request for a new resource, as the platform API's spec defines it
 * (`CreateResourceRequest` in openapi.yaml).
 *
 * @public
 */
export type CreateResourceRequest = generated.CreateResourceRequest;

/**
 * A change of a resource's spec, based on a generation; the write fails with
 * 409 when the resource has moved on (`UpdateResourceRequest` in
 * openapi.yaml).
 *
 * @public
 */
export type UpdateResourceRequest = generated.UpdateResourceRequest;

/** Fields the resource list can be sorted by. @public */
export type ResourceSortField = 'name' | 'createdAt' | 'updatedAt' | 'phase';

/**
 * Filters and paging for the resource list.
 *
 * @public
 */
export interface ListResourcesQuery {
  capabilityRef?: string[];
  owner?: string[];
  component?: string[];
  phase?: ResourcePhase[];
  environment?: string[];
  /** Case-insensitive substring of name, component or capability. */
  text?: string;
  orderBy?: ResourceSortField;
  order?: 'asc' | 'desc';
  /** 1 to 500, default 50. */
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  /** Include resources that finished deleting (default false). */
  includeDeleted?: boolean;
}

/** A page of resources. @public */
export interface ResourcePage {
  items: PlatformResource[];
  /** Present when there are more items. */
  nextCursor?: string;
  /**
   * How many resources match the filters (all pages), counted up to 10,000;
   * when more match, this is 10,000 and `totalCountCapped` is true.
   */
  totalCount: number;
  /** True when more than `totalCount` resources match. */
  totalCountCapped?: boolean;
}

/** One cell of the fleet summary. @public */
export interface FleetCount {
  capabilityRef: string;
  version: string | null;
  phase: ResourcePhase;
  count: number;
}

/** Counts of resources by capability, version and phase. @public */
export interface FleetSummary {
  items: FleetCount[];
}

/** @public */
export type RolloutStatus =
  | 'Running'
  | 'Paused'
  | 'Completed'
  | 'Failed'
  | 'Cancelled';

/** @public */
export type RolloutItemStatus =
  | 'Pending'
  | 'Upgrading'
  | 'Succeeded'
  | 'Failed'
  | 'Skipped';

/** Progress of one instance in a rollout. @public */
export interface RolloutItem {
  resourceId: string;
  resourceName: string;
  environment: string;
  wave: number;
  status: RolloutItemStatus;
  fromVersion?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

/**
 * A day-2 upgrade of a capability's instances to a target version, in waves.
 *
 * @public
 */
export interface Rollout {
  id: string;
  capabilityRef: string;
  targetVersion: string;
  waveSize: number;
  /** Seconds to wait between the end of one wave and the start of the next. */
  pauseSeconds: number;
  status: RolloutStatus;
  message?: string;
  /** The wave in progress (0-based); equals `waveCount` when done. */
  currentWave: number;
  waveCount: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  items: RolloutItem[];
}

/**
 * A rollout request (`CreateRolloutRequest` in openapi.yaml).
 *
 * @public
 */
export type CreateRolloutRequest = generated.CreateRolloutRequest;

/** Output of one pipeline step run, where the engine keeps logs. @public */
export interface PipelineLog {
  pipeline: string;
  step: string;
  status: 'Running' | 'Succeeded' | 'Failed' | 'Cancelled';
  startedAt: string;
  finishedAt?: string;
  output: string;
}

/** What `POST /resources` with `dryRun` answers. @public */
export interface DryRunResult {
  /** The resource as it would be created, with schema defaults applied. */
  resource: PlatformResource;
}

/**
 * What the platform tells browsers on the signal channels
 * `platform:resource:<id>` and `platform:entity:<ref>`: only that something
 * changed. Signals reach every subscriber of a channel, so they carry no
 * resource data; read the resource again through the API, which checks
 * permissions. @public
 */
export type ResourceChangedSignal = {
  type: 'changed';
};

/**
 * What in-process subscribers (`PlatformService.subscribe`) are told about a
 * change. Browsers get a {@link ResourceChangedSignal} instead. @public
 */
export interface ResourceSignal {
  resourceId: string;
  phase: ResourcePhase;
  generation: number;
  observedGeneration: number;
  updatedAt: string;
}
