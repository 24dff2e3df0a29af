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
  /** The name of the composite a claim is reconciled through. */
  compositeNameOf?(instance: KubeObject): string | undefined;
  /** The claim a composite belongs to. */
  claimOf?(
    composite: KubeObject,
  ): { namespace: string; name: string } | undefined;
}
