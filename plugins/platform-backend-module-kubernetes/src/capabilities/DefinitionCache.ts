import { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { EngineObjectRef } from '@trellis/backstage-plugin-platform-common';
import { EngineCapability } from '@trellis/backstage-plugin-platform-node';
import {
  apiVersionOf,
  qualifiedResource,
  resourceTypeKey,
} from '../cluster/types';
import { BackoffOptions, backoffDelay } from '../watch/backoff';
import { WatcherSet, WatcherSetOptions } from '../watch/WatcherSet';
import { CapabilityAdapter, CapabilityEntry } from './types';

export interface DefinitionCacheOptions {
  /** The cluster's name, for messages. */
  cluster: string;
  adapters: CapabilityAdapter[];
  logger: LoggerService;
  /** How the definition types are watched while someone watches. */
  watch: WatcherSetOptions & { backoff: BackoffOptions };
  /** The instance types changed (see {@link DefinitionCache.instanceEntries}); only while watching. */
  onInstanceTypesChanged(): void;
  /** The capabilities offered changed since they were last offered. */
  onCapabilitiesChanged(): void;
}

/**
 * The capabilities of one cluster, as its adapters list them from the
 * definitions (Promises, XRDs and their revisions). While watching, the
 * definition types are watched and every change lists them again, so the
 * capabilities are served from memory; otherwise each read lists them.
 */
export class DefinitionCache {
  private readonly options: DefinitionCacheOptions;
  private readonly watchers: WatcherSet;
  /** Capabilities by name, from the latest listing. */
  private offered?: Map<string, CapabilityEntry>;
  /**
   * Instance types by key, including those of capabilities that disappeared,
   * which stay until the type itself is gone, so that the deletion of their
   * instances is still reported.
   */
  private readonly instanceTypes = new Map<string, CapabilityEntry>();
  /** Instance types whose CRD the cluster does not serve (seen by their watch). */
  private readonly unservedTypes = new Set<string>();
  private refreshesStarted = 0;
  private refreshesApplied = 0;
  private lastCapabilities?: string;
  private watching = false;
  /** Counts watch starts, so that a stale start stops retrying. */
  private watchSessions = 0;
  private refreshScheduled = false;

  constructor(options: DefinitionCacheOptions) {
    this.options = options;
    this.watchers = new WatcherSet(options.watch);
  }

  /** The capabilities offered: from memory while watching, listed otherwise. */
  async capabilities(): Promise<EngineCapability[]> {
    if (!this.watching || !this.offered) {
      await this.refresh();
    }
    return this.capabilitiesOf(this.offered!);
  }

  /** Lists the definitions again; of refreshes that overlap, the one started last wins. */
  async refresh(): Promise<Map<string, CapabilityEntry>> {
    const started = ++this.refreshesStarted;
    const lists = await Promise.all(
      this.options.adapters.map(async adapter => {
        const definitions = await adapter.listDefinitions();
        return definitions.map(definition => ({ definition, adapter }));
      }),
    );
    if (started > this.refreshesApplied) {
      this.refreshesApplied = started;
      this.apply(lists.flat());
    }
    return this.offered!;
  }

  /** The capability of that name, listing again if it is not known yet. */
  async entryFor(capability: string): Promise<CapabilityEntry> {
    const entry =
      this.offered?.get(capability) ?? (await this.refresh()).get(capability);
    if (!entry) {
      throw new NotFoundError(
        `Cluster '${this.options.cluster}' offers no capability '${capability}'`,
      );
    }
    return entry;
  }

  /** The capability whose instances have the apiVersion and kind of `ref`, if any. */
  async entryForRef(
    ref: EngineObjectRef,
  ): Promise<CapabilityEntry | undefined> {
    const matches = (entry: CapabilityEntry) =>
      apiVersionOf(entry.definition.instanceType) === ref.apiVersion &&
      entry.definition.instanceType.kind === ref.kind;
    const find = () =>
      [...(this.offered?.values() ?? []), ...this.instanceTypes.values()].find(
        matches,
      );
    return find() ?? ((await this.refresh()) && find());
  }

  /** Every instance type, by key, with the capability it belongs (or belonged) to. */
  instanceEntries(): ReadonlyMap<string, CapabilityEntry> {
    return this.instanceTypes;
  }

  /** Lists again, then every instance type, as {@link instanceEntries}. */
  async refreshedInstanceEntries(): Promise<CapabilityEntry[]> {
    const offered = await this.refresh();
    const entries = new Map(this.instanceTypes);
    for (const entry of offered.values()) {
      entries.set(resourceTypeKey(entry.definition.instanceType), entry);
    }
    return [...entries.values()];
  }

  /** What the watch of an instance type saw: whether the cluster serves it. */
  setServed(typeKey: string, served: boolean) {
    if (served) {
      this.unservedTypes.delete(typeKey);
    } else {
      this.unservedTypes.add(typeKey);
      const entry = this.instanceTypes.get(typeKey);
      const stillOffered =
        entry && this.offered?.get(entry.definition.capability.name) === entry;
      if (!stillOffered) {
        // Its capability is gone too, and the deletions were reported: retire the type.
        this.instanceTypes.delete(typeKey);
        this.unservedTypes.delete(typeKey);
        this.instanceTypesChanged();
      }
    }
    this.reportCapabilityChanges();
  }

  /** Starts watching the definitions; until the first listing succeeds, keeps trying. */
  startWatching() {
    this.watching = true;
    const session = ++this.watchSessions;
    const load = async () => {
      let lastProblem: string | undefined;
      for (
        let failures = 1;
        this.watching && session === this.watchSessions;
        failures++
      ) {
        try {
          await this.refresh();
          return;
        } catch (error) {
          const { message } = error as Error;
          if (message !== lastProblem) {
            lastProblem = message;
            this.options.logger.warn(
              `Could not list the capabilities of cluster '${this.options.cluster}', retrying: ${message}`,
            );
          }
          await new Promise(resolve =>
            setTimeout(
              resolve,
              backoffDelay(failures, this.options.watch.backoff),
            ).unref(),
          );
        }
      }
    };
    load().catch(error =>
      this.options.logger.error(
        `Watching cluster '${this.options.cluster}' failed`,
        error,
      ),
    );
  }

  stopWatching() {
    this.watching = false;
    this.watchers.stop();
  }

  /** Lists the definition types again, and the definitions. */
  async resync() {
    this.watchers.resync();
    await this.refresh().catch(error => this.warnListingFailed(error));
  }

  private apply(entries: CapabilityEntry[]) {
    const offered = new Map<string, CapabilityEntry>();
    for (const entry of entries) {
      const { name } = entry.definition.capability;
      const existing = offered.get(name);
      if (existing) {
        this.options.logger.warn(
          `Capability name '${name}' on cluster '${this.options.cluster}' is used by ${existing.definition.source.kind} ${existing.definition.source.name} and ${entry.definition.source.kind} ${entry.definition.source.name}; only the first is offered`,
        );
        continue;
      }
      offered.set(name, entry);
      this.instanceTypes.set(
        resourceTypeKey(entry.definition.instanceType),
        entry,
      );
    }
    this.offered = offered;
    if (this.watching) {
      this.watchers.reconcile(
        this.options.adapters.flatMap(adapter =>
          adapter.watchedTypes().map(type => ({
            type,
            onEvent: () => this.scheduleRefresh(),
          })),
        ),
      );
    }
    this.instanceTypesChanged();
    this.reportCapabilityChanges();
  }

  private instanceTypesChanged() {
    if (this.watching) {
      this.options.onInstanceTypesChanged();
    }
  }

  private capabilitiesOf(
    offered: Map<string, CapabilityEntry>,
  ): EngineCapability[] {
    return [...offered.values()].map(({ definition }) => {
      const type = definition.instanceType;
      if (!this.unservedTypes.has(resourceTypeKey(type))) {
        return definition.capability;
      }
      return {
        ...definition.capability,
        available: false,
        availabilityMessage: `Cluster '${
          this.options.cluster
        }' does not serve ${qualifiedResource(type)}/${
          type.version
        }: its CustomResourceDefinition is missing`,
      };
    });
  }

  private reportCapabilityChanges() {
    if (!this.offered) {
      return;
    }
    const current = JSON.stringify(this.capabilitiesOf(this.offered));
    const changed =
      this.lastCapabilities !== undefined && this.lastCapabilities !== current;
    this.lastCapabilities = current;
    if (changed) {
      this.options.onCapabilitiesChanged();
    }
  }

  /** Coalesces the burst of definition events a list produces into one refresh. */
  private scheduleRefresh() {
    if (this.refreshScheduled) {
      return;
    }
    this.refreshScheduled = true;
    setImmediate(() => {
      this.refreshScheduled = false;
      if (this.watching) {
        this.refresh().catch(error => this.warnListingFailed(error));
      }
    });
  }

  private warnListingFailed(error: Error) {
    this.options.logger.warn(
      `Could not list the capabilities of cluster '${this.options.cluster}': ${error.message}`,
    );
  }
}
