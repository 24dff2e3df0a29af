import { KubeObject, ResourceType, resourceTypeKey } from '../cluster/types';
import { ResourceWatcher, ResourceWatcherOptions } from './ResourceWatcher';

/** One watch a {@link WatcherSet} should keep: a type, a selector and who hears of it. */
export type WatchSpec = Pick<
  ResourceWatcherOptions,
  'type' | 'labelSelector' | 'onEvent' | 'onServedChange'
>;

/** What every watch of a set shares. */
export type WatcherSetOptions = Omit<ResourceWatcherOptions, keyof WatchSpec>;

/**
 * A set of running watches, one per type and label selector: told which
 * watches are wanted, it starts the missing ones and stops the rest, and
 * serves the objects each watch has cached.
 */
export class WatcherSet {
  private readonly options: WatcherSetOptions;
  private readonly watchers = new Map<string, ResourceWatcher>();

  constructor(options: WatcherSetOptions) {
    this.options = options;
  }

  /** Watches exactly `wanted`; watches that keep their key keep running as they are. */
  reconcile(wanted: WatchSpec[]) {
    const specs = new Map(
      wanted.map(spec => [watchKey(spec.type, spec.labelSelector), spec]),
    );
    for (const [key, watcher] of this.watchers) {
      if (!specs.has(key)) {
        watcher.stop();
        this.watchers.delete(key);
      }
    }
    for (const [key, spec] of specs) {
      if (!this.watchers.has(key)) {
        const watcher = new ResourceWatcher({ ...this.options, ...spec });
        this.watchers.set(key, watcher);
        watcher.start();
      }
    }
  }

  /** An object as the watch of its type and selector last saw it. */
  cached(
    type: ResourceType,
    labelSelector: string | undefined,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    return this.watchers
      .get(watchKey(type, labelSelector))
      ?.get(namespace, name);
  }

  /** Lists every watched type again; the watches report what they missed. */
  resync() {
    for (const watcher of this.watchers.values()) {
      watcher.resync();
    }
  }

  stop() {
    for (const watcher of this.watchers.values()) {
      watcher.stop();
    }
    this.watchers.clear();
  }
}

function watchKey(type: ResourceType, labelSelector = ''): string {
  return `${resourceTypeKey(type)}?${labelSelector}`;
}
