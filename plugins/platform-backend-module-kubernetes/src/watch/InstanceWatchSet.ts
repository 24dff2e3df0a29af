import {
  EngineChange,
  ObservedState,
} from '@trellis/backstage-plugin-platform-node';
import { DefinitionCache } from '../capabilities/DefinitionCache';
import { InstanceMapper } from '../instances/InstanceMapper';
import { MANAGED_SELECTOR } from '../objects/metadata';
import { ObjectEvent } from './ResourceWatcher';
import { WatchSpec, WatcherSet, WatcherSetOptions } from './WatcherSet';

export interface InstanceWatchSetOptions {
  watch: WatcherSetOptions;
  definitions: DefinitionCache;
  mapper: InstanceMapper;
  emit(change: EngineChange): void;
}

/**
 * The watches of the instances the engine manages: one per instance type
 * (selected by the resource-id label), plus one per composite type for
 * adapters whose instances have composites. Each change becomes an
 * `observed` or `deleted` change, once per state the platform can see.
 */
export class InstanceWatchSet {
  private readonly options: InstanceWatchSetOptions;
  private readonly watchers: WatcherSet;
  private readonly lastEmitted = new Map<string, string>();

  constructor(options: InstanceWatchSetOptions) {
    this.options = options;
    this.watchers = new WatcherSet(options.watch);
  }

  /** Watches the instance types the definition cache knows, and no others. */
  sync() {
    const wanted: WatchSpec[] = [];
    for (const [typeKey, entry] of this.options.definitions.instanceEntries()) {
      const { instanceType, compositeType } = entry.definition;
      wanted.push({
        type: instanceType,
        labelSelector: MANAGED_SELECTOR,
        onEvent: event => this.onInstanceEvent(typeKey, event),
        onServedChange: served =>
          this.options.definitions.setServed(typeKey, served),
      });
      if (compositeType) {
        wanted.push({
          type: compositeType,
          labelSelector: entry.adapter.compositeSelector,
          onEvent: event => this.onCompositeEvent(typeKey, event),
        });
      }
    }
    this.watchers.reconcile(wanted);
  }

  resync() {
    this.watchers.resync();
  }

  stop() {
    this.watchers.stop();
    this.lastEmitted.clear();
  }

  private onInstanceEvent(typeKey: string, event: ObjectEvent) {
    const { definitions, mapper } = this.options;
    const entry = definitions.instanceEntries().get(typeKey);
    const resourceId = mapper.resourceIdOf(event.object);
    if (!entry || !resourceId) {
      return;
    }
    if (event.type === 'delete') {
      this.lastEmitted.delete(resourceId);
      this.options.emit({
        type: 'deleted',
        resource: {
          resourceId,
          engineRef: mapper.engineRefOf(
            entry.definition.instanceType,
            event.object.metadata.namespace,
            event.object.metadata.name,
          ),
        },
      });
      return;
    }
    const { compositeType } = entry.definition;
    const compositeName = entry.adapter.compositeNameOf?.(event.object);
    const composite =
      compositeType && compositeName
        ? this.watchers.cached(
            compositeType,
            entry.adapter.compositeSelector,
            undefined,
            compositeName,
          )
        : undefined;
    this.emitObserved(mapper.observedState(entry, event.object, composite));
  }

  /** A composite changed: report its instance again, which shows the composite's parts. */
  private onCompositeEvent(typeKey: string, event: ObjectEvent) {
    const entry = this.options.definitions.instanceEntries().get(typeKey);
    const owner = entry?.adapter.instanceOf?.(event.object);
    if (!entry || !owner) {
      return;
    }
    const instance = this.watchers.cached(
      entry.definition.instanceType,
      MANAGED_SELECTOR,
      owner.namespace,
      owner.name,
    );
    if (instance) {
      this.emitObserved(
        this.options.mapper.observedState(
          entry,
          instance,
          event.type === 'delete' ? undefined : event.object,
        ),
      );
    }
  }

  private emitObserved(state: ObservedState | undefined) {
    if (!state) {
      return;
    }
    // Controllers rewrite status often without changing anything the platform sees.
    const serialized = JSON.stringify(state);
    if (this.lastEmitted.get(state.resourceId) === serialized) {
      return;
    }
    this.lastEmitted.set(state.resourceId, serialized);
    this.options.emit({ type: 'observed', state });
  }
}
