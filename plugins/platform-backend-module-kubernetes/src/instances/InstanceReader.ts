import { NotFoundError } from '@backstage/errors';
import {
  EngineResourceRef,
  ObservedState,
} from '@trellis/backstage-plugin-platform-node';
import { DefinitionCache } from '../capabilities/DefinitionCache';
import { CapabilityEntry } from '../capabilities/types';
import { ClusterClient } from '../cluster/ClusterClient';
import { KubeObject } from '../cluster/types';
import {
  MANAGED_SELECTOR,
  resourceIdOf,
  resourceSelector,
} from '../objects/metadata';
import { InstanceMapper } from './InstanceMapper';

/** An instance found on the cluster, with the capability it belongs to. */
export interface FoundInstance {
  entry: CapabilityEntry;
  object: KubeObject;
}

/**
 * Reads instances from the cluster (not from the watches): one resource
 * by its reference or label, or all of one type with one list request.
 */
export class InstanceReader {
  constructor(
    private readonly client: ClusterClient,
    private readonly definitions: DefinitionCache,
    private readonly mapper: InstanceMapper,
  ) {}

  /**
   * Finds a resource's object: by its engine ref, read through `client`, or
   * by its label on every instance type. The label search lists across all
   * namespaces, which users' roles rarely allow, so it uses the engine's
   * identity; what is found is then changed through `client`.
   */
  async locate(
    resource: EngineResourceRef,
    client: ClusterClient = this.client,
  ): Promise<FoundInstance | undefined> {
    const ref = resource.engineRef;
    if (ref?.apiVersion && ref.kind && ref.name) {
      const entry = await this.definitions.entryForRef(ref);
      if (!entry) {
        return undefined;
      }
      const object = await client.get(
        entry.definition.instanceType,
        ref.namespace || undefined,
        ref.name,
      );
      if (!object || resourceIdOf(object) !== resource.resourceId) {
        return undefined;
      }
      return { entry, object };
    }
    const offered = await this.definitions.refresh();
    for (const entry of offered.values()) {
      try {
        const { items } = await this.client.list(
          entry.definition.instanceType,
          { labelSelector: resourceSelector(resource.resourceId) },
        );
        if (items[0]) {
          return { entry, object: items[0] };
        }
      } catch (error) {
        if (!(error instanceof NotFoundError)) {
          throw error;
        }
      }
    }
    return undefined;
  }

  /** The observed state of an instance found, with its composite read too. */
  async observe(found: FoundInstance): Promise<ObservedState | undefined> {
    const { entry, object } = found;
    const { compositeType } = entry.definition;
    const name = entry.adapter.compositeNameOf?.(object);
    const composite =
      compositeType && name
        ? await this.client.get(compositeType, undefined, name)
        : undefined;
    return this.mapper.observedState(entry, object, composite);
  }

  /** Every managed instance of one type: one list, and one for its composites. */
  async observeType(entry: CapabilityEntry): Promise<ObservedState[]> {
    const { instanceType, compositeType } = entry.definition;
    let instances: KubeObject[];
    try {
      ({ items: instances } = await this.client.list(instanceType, {
        labelSelector: MANAGED_SELECTOR,
      }));
    } catch (error) {
      if (error instanceof NotFoundError) {
        return []; // The type is gone, and its objects with it.
      }
      throw error;
    }
    const composites = new Map<string, KubeObject>();
    if (compositeType && instances.length > 0) {
      const { items } = await this.client.list(compositeType, {
        labelSelector: entry.adapter.compositeSelector,
      });
      for (const composite of items) {
        composites.set(composite.metadata.name, composite);
      }
    }
    return instances.flatMap(instance => {
      const compositeName = entry.adapter.compositeNameOf?.(instance);
      const state = this.mapper.observedState(
        entry,
        instance,
        compositeName ? composites.get(compositeName) : undefined,
      );
      return state ? [state] : [];
    });
  }
}
