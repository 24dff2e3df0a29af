import type * as generated from './generated/models';
import type { ResourcePhase } from './phases';

/** A JSON value, as stored in specs and schemas. @public */
export type JsonValue = generated.JsonValue;

/** A JSON object (`JsonObject` in openapi.yaml). @public */
export type JsonObject = generated.JsonObject;

/**
 * Something the platform offers, such as "PostgreSQL database"
 * (`Capability` in openapi.yaml, whose descriptions document the fields).
 *
 * @public
 */
export type Capability = generated.Capability;

/** A link to documentation or a dashboard (a capability's `links`). @public */
export type PlatformLink = generated.Capability['links'][number];

/**
 * Which of the portal's sign-in providers issues the tokens an engine passes
 * through to its target system (a capability's `userAuth`).
 *
 * @public
 */
export type UserAuthRequirement = NonNullable<generated.Capability['userAuth']>;

/**
 * A condition as the engine reports it, Kubernetes style (`Condition` in
 * openapi.yaml).
 *
 * @public
 */
export type ResourceCondition = generated.Condition;

/**
 * Non-secret values a resource exposes, such as a host or a URL (a
 * resource's `outputs`).
 *
 * @public
 */
export type ResourceOutputs = generated.PlatformResource['outputs'];

/**
 * Where the engine keeps a resource (a resource's `engineRef`): opaque to
 * everyone but the engine.
 *
 * @public
 */
export type EngineObjectRef = NonNullable<
  generated.PlatformResource['engineRef']
>;

/** The normalized status of a resource (its `status`). @public */
export type ResourceStatus = generated.PlatformResource['status'];

/**
 * One requested instance of a capability (`PlatformResource` in
 * openapi.yaml).
 *
 * @public
 */
export type PlatformResource = generated.PlatformResource;

/**
 * Why a change is still on its way to the engine (`PendingDispatch` in
 * openapi.yaml).
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
export type PendingDispatch = generated.PendingDispatch;

/** The kinds of history events. @public */
export type ResourceEventType = generated.ResourceEvent['type'];

/**
 * One entry of a resource's append-only history (`ResourceEvent` in
 * openapi.yaml).
 *
 * @public
 */
export type ResourceEvent = generated.ResourceEvent;

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

/** A page of resources (`ResourcePage` in openapi.yaml). @public */
export type ResourcePage = generated.ResourcePage;

/** One cell of the fleet summary. @public */
export type FleetCount = generated.FleetSummary['items'][number];

/**
 * Counts of resources by capability, version and phase (`FleetSummary` in
 * openapi.yaml).
 *
 * @public
 */
export type FleetSummary = generated.FleetSummary;

/** @public */
export type RolloutStatus = generated.Rollout['status'];

/** @public */
export type RolloutItemStatus = RolloutItem['status'];

/** Progress of one instance in a rollout. @public */
export type RolloutItem = generated.Rollout['items'][number];

/**
 * A day-2 upgrade of a capability's instances to a target version, in waves
 * (`Rollout` in openapi.yaml).
 *
 * @public
 */
export type Rollout = generated.Rollout;

/**
 * A rollout request (`CreateRolloutRequest` in openapi.yaml).
 *
 * @public
 */
export type CreateRolloutRequest = generated.CreateRolloutRequest;

/**
 * Output of one pipeline step run, where the engine keeps logs
 * (`PipelineLog` in openapi.yaml).
 *
 * @public
 */
export type PipelineLog = generated.PipelineLog;

/**
 * @deprecated `POST /resources?dryRun=true` answers the resource as it would
 * be created, a {@link PlatformResource}, not this wrapper; nothing uses it.
 * @public
 */
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
