import { LoggerService } from '@backstage/backend-plugin-api';
import {
  createLegacyAnnotationWarner,
  EngineObjectRef,
} from '@trellis/backstage-plugin-platform-common';
import { ObservedState } from '@trellis/backstage-plugin-platform-node';
import { CapabilityEntry } from '../capabilities/types';
import { apiVersionOf, KubeObject, ResourceType } from '../cluster/types';
import {
  appliedGenerationOf,
  LegacyKeyListener,
  resourceIdOf,
} from '../objects/metadata';

/**
 * How the objects of one cluster appear to the platform: their engine
 * references, resource ids and observed states.
 */
export class InstanceMapper {
  private readonly cluster: string;
  /** Warns once per object kind that carries old (`trellis.io`) keys, not per object per poll. */
  private readonly legacyWarner: ReturnType<
    typeof createLegacyAnnotationWarner
  >;

  constructor(cluster: string, logger: LoggerService) {
    this.cluster = cluster;
    this.legacyWarner = createLegacyAnnotationWarner(message =>
      logger.warn(message),
    );
  }

  engineRefOf(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): EngineObjectRef {
    return {
      cluster: this.cluster,
      namespace: namespace ?? '',
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      name,
    };
  }

  /** The Trellis resource id an object carries, if any (warning of old spellings). */
  resourceIdOf(object: KubeObject): string | undefined {
    return resourceIdOf(object, this.legacyKeys(object));
  }

  /** The listener for old label and annotation spellings on objects of this object's kind. */
  legacyKeys(object: KubeObject): LegacyKeyListener {
    return this.legacyWarner(
      `Cluster '${this.cluster}': ${
        object.kind ?? 'object'
      } objects managed by Trellis`,
    );
  }

  /** An instance (and its composite, if it has one) as the platform sees it. */
  observedState(
    entry: CapabilityEntry,
    object: KubeObject,
    composite?: KubeObject,
  ): ObservedState | undefined {
    const resourceId = this.resourceIdOf(object);
    if (!resourceId) {
      return undefined;
    }
    const status = entry.adapter.normalize(entry.definition, object, composite);
    const generation = appliedGenerationOf(object, this.legacyKeys(object));
    const state: ObservedState = {
      resourceId,
      engineRef: this.engineRefOf(
        entry.definition.instanceType,
        object.metadata.namespace,
        object.metadata.name,
      ),
      phase: status.phase,
      // Until the controller has seen the latest spec, the generation before it is what it reconciled.
      observedGeneration: status.generationObserved
        ? generation
        : Math.max(0, generation - 1),
      conditions: status.conditions,
      outputs: status.outputs,
    };
    if (status.message) {
      state.message = status.message;
    }
    if (status.appliedVersion) {
      state.appliedVersion = status.appliedVersion;
    }
    return state;
  }
}
