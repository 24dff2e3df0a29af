import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  EngineObjectRef,
  FleetCount,
  JsonObject,
  ListResourcesQuery,
  PlatformResource,
  ResourceEvent,
  ResourceFeedEvent,
  ResourcePage,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import {
  ObservedState,
  PlatformResourceFilter,
} from '@trellis/backstage-plugin-platform-node';

/** Everything needed to insert a new resource. */
export interface NewResource {
  id: string;
  capabilityRef: string;
  engineId: string;
  name: string;
  environment: string;
  owner: string;
  requestedBy: string;
  component?: string;
  spec: JsonObject;
  version: string;
}

/** An Idempotency-Key to record with a new resource. */
export interface NewIdempotencyKey {
  principal: string;
  key: string;
  requestHash: string;
}

/** The resource before and after a change the store recorded. */
export interface ObservationResult {
  before: PlatformResource;
  after: PlatformResource;
}

/** A live resource its engine has been told about, as a resync compares it. */
export interface AppliedResource {
  id: string;
  engineRef: EngineObjectRef;
  phase: ResourcePhase;
  /** The action still owed to the engine, if any. */
  pendingAction?: 'apply' | 'delete';
  generation: number;
}

/** A resource and the engine that holds it. */
export interface ResourceOnEngine {
  resource: PlatformResource;
  engineId: string;
}

/** A new event, before it has an id. */
export type NewEvent = Omit<ResourceEvent, 'id' | 'resourceId' | 'at'> & {
  at?: string;
};

/** Thrown when an Idempotency-Key was used before. */
export class IdempotentReplay extends Error {
  constructor(readonly resourceId: string, readonly requestHash: string) {
    super('Idempotent replay');
    this.name = 'IdempotentReplay';
  }
}

/**
 * Requested resources: desired state (spec, generation), observed status,
 * and the queries over them. Every change that needs the engine to hear of
 * it leaves work in the {@link DispatchOutbox} in the same transaction.
 */
export interface ResourceStore {
  /**
   * Inserts a resource, its `requested` event and optionally its
   * idempotency key in one transaction. Throws ConflictError when the name
   * is taken, IdempotentReplay when the key was used before.
   */
  insert(
    resource: NewResource,
    idempotency?: NewIdempotencyKey,
  ): Promise<PlatformResource>;
  get(id: string): Promise<PlatformResource | undefined>;
  /** A resource with the id of the engine it was created on. */
  getWithEngine(id: string): Promise<ResourceOnEngine | undefined>;
  /** The resources of `ids`, in that order (undefined where there is none). */
  getMany(ids: string[]): Promise<Array<PlatformResource | undefined>>;
  list(
    query: ListResourcesQuery,
    permissionFilter?: PermissionCriteria<PlatformResourceFilter>,
  ): Promise<ResourcePage>;
  fleetCounts(
    permissionFilter?: PermissionCriteria<PlatformResourceFilter>,
  ): Promise<FleetCount[]>;
  /** Live resources of a capability, by name, for planning a rollout. */
  listOfCapability(
    capabilityRef: string,
    environments?: string[],
  ): Promise<PlatformResource[]>;
  /**
   * Accepts a spec change based on `expectedGeneration`; throws
   * ConflictError when the resource has moved on since.
   */
  updateSpec(
    id: string,
    expectedGeneration: number,
    spec: JsonObject,
    actor: string,
  ): Promise<PlatformResource>;
  /** Marks a resource for deletion; the dispatcher tells the engine. */
  requestDelete(id: string, actor: string): Promise<PlatformResource>;
  /**
   * Records what the engine observed (`instance`: the process-local engine
   * instance that observed it). Undefined when nothing changed.
   */
  recordObservation(
    id: string,
    observed: ObservedState,
    instance?: string,
  ): Promise<ObservationResult | undefined>;
  /** The engine reports the resource gone. */
  markDeleted(
    id: string,
    message?: string,
    instance?: string,
  ): Promise<ObservationResult | undefined>;
  /**
   * Live resources of an engine that the engine has been told about; of a
   * process-local engine, those bound to `instance` only.
   */
  listApplied(engineId: string, instance?: string): Promise<AppliedResource[]>;
}

/** The append-only history of every resource. */
export interface ResourceHistory {
  appendEvent(resourceId: string, event: NewEvent): Promise<void>;
  listEvents(resourceId: string): Promise<ResourceEvent[]>;
  /**
   * The history of every resource that passes `permissionFilter`, in id
   * order after `afterId`, with the resource each event belongs to: at most
   * `limit` events, none younger than `settledBefore` (a transaction that
   * took a lower id may not have committed yet).
   */
  listEventFeed(options: {
    afterId: number;
    limit: number;
    settledBefore: string;
    permissionFilter?: PermissionCriteria<PlatformResourceFilter>;
  }): Promise<ResourceFeedEvent[]>;
}
