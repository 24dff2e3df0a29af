import { EngineCapability } from '@trellis/backstage-plugin-platform-node';
import { ClusterClient } from '../cluster/ClusterClient';
import { KubeObject, ResourceType } from '../cluster/types';
import { NormalizedStatus } from '../status/types';

/** A capability and where its instances live in the cluster. */
export interface CapabilityDefinition {
  capability: EngineCapability;
  /** The Kratix Promise or Crossplane XRD it comes from. */
  source: { kind: 'Promise' | 'CompositeResourceDefinition'; name: string };
  /** The namespaced type a request creates: a Promise's API, a claim, a v2 XR. */
  instanceType: ResourceType;
  /**
   * The cluster-scoped composites behind claims, read for the composed
   * resources and the composition revision; absent when instances are XRs.
   */
  compositeType?: ResourceType;
}

/**
 * What the engine needs from an orchestrator (Kratix or Crossplane): its
 * capabilities, how to read an instance's status, and day-2 operations.
 */
export interface CapabilityAdapter {
  /**
   * Lists the capabilities, with one list request per definition type
   * (Promises, XRDs, their revisions). Definition types the cluster does
   * not serve (the orchestrator is not installed) yield no capabilities.
   */
  listDefinitions(): Promise<CapabilityDefinition[]>;
  /** The definition types the cluster served at the last listing, to watch for capability changes. */
  watchedTypes(): ResourceType[];
  normalize(
    definition: CapabilityDefinition,
    instance: KubeObject,
    composite?: KubeObject,
  ): NormalizedStatus;
  /**
   * Moves one instance to another capability version, making every request
   * through `client`: the engine's, or one acting as the requesting user.
   */
  upgrade(
    definition: CapabilityDefinition,
    instance: KubeObject,
    toVersion: string,
    client: ClusterClient,
  ): Promise<void>;
  /**
   * Re-runs whatever reconciles every instance of a capability (Kratix's
   * configure workflows), through `client`; an orchestrator that has
   * nothing to re-run refuses with an `InputError`.
   */
  reconcileAll(
    definition: CapabilityDefinition,
    client: ClusterClient,
  ): Promise<void>;
  /**
   * The label selector of the composites behind instances (see
   * `CapabilityDefinition.compositeType`), which the engine lists and
   * watches with it; set by adapters whose definitions have composites.
   */
  readonly compositeSelector?: string;
  /** The name of the composite an instance is reconciled through. */
  compositeNameOf?(instance: KubeObject): string | undefined;
  /** The instance a composite belongs to. */
  instanceOf?(
    composite: KubeObject,
  ): { namespace: string; name: string } | undefined;
}

/** A capability's definition with the adapter that understands it. */
export interface CapabilityEntry {
  definition: CapabilityDefinition;
  adapter: CapabilityAdapter;
}
