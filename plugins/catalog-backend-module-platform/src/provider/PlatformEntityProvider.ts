import {
  AuthService,
  BackstageCredentials,
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { PlatformResource } from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import {
  capabilityToApiEntity,
  capabilityToTemplateEntity,
} from '../mapping/capabilityEntities';
import {
  PlatformEntityMappingOptions,
  providerLocationRef,
  resolveMappingOptions,
  ResolvedMappingOptions,
} from '../mapping/options';
import { resourceToEntity } from '../mapping/resourceEntity';

/** The largest page the platform API serves. */
const PAGE_SIZE = 500;
/** Changed resources read per delta mutation. */
const DELTA_BATCH_SIZE = 500;
/** Resources read from the platform at the same time during a delta. */
const READ_CONCURRENCY = 8;

/** @public */
export interface PlatformEntityProviderOptions {
  platform: PlatformService;
  auth: AuthService;
  logger: LoggerService;
  /**
   * Runs the full refresh on a schedule. Without one, nothing refreshes
   * unless `refresh()` is called.
   */
  taskRunner?: SchedulerServiceTaskRunner;
  mapping?: PlatformEntityMappingOptions;
  /**
   * How long change notifications are collected before they become one delta
   * mutation, in milliseconds. Default 250.
   */
  coalesceMs?: number;
}

/**
 * Keeps the catalog in step with the platform: capabilities become `API`
 * entities and generated `Template`s, resources become `Resource` entities.
 * A full mutation runs on a schedule; every change the platform reports in
 * between reaches the catalog as a delta mutation.
 *
 * @public
 */
export class PlatformEntityProvider implements EntityProvider {
  private readonly platform: PlatformService;
  private readonly auth: AuthService;
  private readonly logger: LoggerService;
  private readonly taskRunner?: SchedulerServiceTaskRunner;
  private readonly mapping: ResolvedMappingOptions;
  private readonly coalesceMs: number;

  private connection?: EntityProviderConnection;
  private unsubscribe?: () => void;
  private closed = false;
  /** Resources changed since the last delta. */
  private readonly pending = new Set<string>();
  private timer?: ReturnType<typeof setTimeout>;
  /** Deltas apply one after another, in the order they were collected. */
  private deltas: Promise<void> = Promise.resolve();
  /** Resources changed while a full refresh was reading, to apply again after it. */
  private changedDuringRefresh?: Set<string>;
  /** Entity refs of the resources emitted, to remove ones the platform no longer knows. */
  private readonly emittedRefs = new Map<string, string>();

  constructor(options: PlatformEntityProviderOptions) {
    this.platform = options.platform;
    this.auth = options.auth;
    this.logger = options.logger;
    this.taskRunner = options.taskRunner;
    this.mapping = resolveMappingOptions(options.mapping);
    this.coalesceMs = options.coalesceMs ?? 250;
  }

  getProviderName(): string {
    return this.mapping.providerName;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    this.subscribe();
    await this.taskRunner?.run({
      id: `${this.getProviderName()}:refresh`,
      fn: async () => {
        try {
          await this.refresh();
        } catch (error) {
          this.logger.error(
            `Full refresh of platform entities failed: ${error}`,
          );
        }
      },
    });
  }

  /** Stops listening for changes; pending deltas are dropped. */
  close() {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  /**
   * Replaces everything this provider emitted with the platform's current
   * capabilities and resources (one full mutation).
   */
  async refresh(): Promise<void> {
    const connection = this.requireConnection();
    const credentials = await this.auth.getOwnServiceCredentials();
    const changed = new Set<string>();
    this.changedDuringRefresh = changed;
    try {
      const entities = new Map<string, DeferredEntity>();
      const add = (entity: Entity) => {
        const ref = stringifyEntityRef(entity);
        if (entities.has(ref)) {
          this.logger.warn(
            `Two platform objects map to entity ${ref}; only the first is in the catalog`,
          );
          return false;
        }
        entities.set(ref, { entity, locationKey: this.locationKey() });
        return true;
      };

      const capabilities = await this.platform.listCapabilities({
        credentials,
      });
      for (const capability of capabilities) {
        add(capabilityToApiEntity(capability, this.mapping));
        if (this.mapping.templates) {
          add(capabilityToTemplateEntity(capability, this.mapping));
        }
      }

      const emittedRefs = new Map<string, string>();
      let resourceCount = 0;
      let cursor: string | undefined;
      do {
        const page = await this.platform.listResources(
          { limit: PAGE_SIZE, cursor },
          { credentials },
        );
        for (const resource of page.items) {
          if (resource.status.phase === 'Deleted') continue;
          const entity = resourceToEntity(resource, this.mapping);
          if (add(entity)) {
            emittedRefs.set(resource.id, stringifyEntityRef(entity));
            resourceCount += 1;
          }
        }
        cursor = page.nextCursor;
      } while (cursor);

      await connection.applyMutation({
        type: 'full',
        entities: [...entities.values()],
      });
      this.emittedRefs.clear();
      for (const [id, ref] of emittedRefs) this.emittedRefs.set(id, ref);
      this.logger.info(
        `Platform entities refreshed: ${capabilities.length} capabilities, ${resourceCount} resources`,
      );
    } finally {
      this.changedDuringRefresh = undefined;
    }

    // What changed while the pages were read may be stale in the full
    // mutation; read those resources again.
    for (const id of changed) this.enqueue(id);
  }

  /**
   * Applies the changes collected so far now instead of after the coalescing
   * delay, and waits for every delta to be applied.
   */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.deltas = this.deltas.then(() => this.applyPending());
    }
    await this.deltas;
  }

  private subscribe() {
    if (this.closed) return;
    const previous = this.unsubscribe;
    this.unsubscribe = this.platform.subscribe(signal =>
      this.enqueue(signal.resourceId),
    );
    previous?.();
  }

  private enqueue(resourceId: string) {
    if (this.closed || typeof resourceId !== 'string') return;
    this.pending.add(resourceId);
    this.changedDuringRefresh?.add(resourceId);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.deltas = this.deltas.then(() => this.applyPending());
    }, this.coalesceMs);
  }

  private async applyPending(): Promise<void> {
    while (this.pending.size && !this.closed) {
      const ids = [...this.pending].slice(0, DELTA_BATCH_SIZE);
      for (const id of ids) this.pending.delete(id);
      try {
        await this.applyDelta(ids);
      } catch (error) {
        // The next full refresh repairs what this delta missed.
        this.logger.warn(
          `Could not apply platform changes of ${ids.length} resources to the catalog: ${error}`,
        );
      }
    }
  }

  private async applyDelta(ids: string[]): Promise<void> {
    const connection = this.requireConnection();
    const credentials = await this.auth.getOwnServiceCredentials();
    const added = new Map<string, DeferredEntity>();
    const removed = new Map<string, string>();
    let failures = 0;

    await forEachConcurrently(ids, READ_CONCURRENCY, async id => {
      try {
        const resource = await this.platform.getResource(id, { credentials });
        const entity = resourceToEntity(resource, this.mapping);
        const ref = stringifyEntityRef(entity);
        if (resource.status.phase !== 'Deleted') {
          added.set(id, { entity, locationKey: this.locationKey() });
        } else if (!(await this.hasLiveTwin(resource, ref, credentials))) {
          removed.set(id, ref);
        }
      } catch (error) {
        if (error instanceof NotFoundError) {
          const ref = this.emittedRefs.get(id);
          if (ref) removed.set(id, ref);
          return;
        }
        failures += 1;
        this.logger.debug(`Could not read platform resource ${id}: ${error}`);
      }
    });

    // A resource deleted and requested again under the same name in one
    // batch: the new one wins.
    const addedRefs = new Set(
      [...added.values()].map(d => stringifyEntityRef(d.entity)),
    );
    for (const [id, ref] of removed) {
      if (addedRefs.has(ref)) removed.delete(id);
    }
    if (failures) {
      this.logger.warn(
        `Could not read ${failures} changed platform resources; the next full refresh brings them to the catalog`,
      );
    }
    if (!added.size && !removed.size) return;

    await connection.applyMutation({
      type: 'delta',
      added: [...added.values()],
      removed: [...removed.values()].map(entityRef => ({
        entityRef,
        locationKey: this.locationKey(),
      })),
    });
    for (const [id, deferred] of added) {
      this.emittedRefs.set(id, stringifyEntityRef(deferred.entity));
    }
    for (const id of removed.keys()) this.emittedRefs.delete(id);
  }

  /**
   * Whether another, live resource has the entity of a deleted one, as when
   * a resource is deleted and requested again under the same name: then the
   * entity stays.
   */
  private async hasLiveTwin(
    deleted: PlatformResource,
    ref: string,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    const page = await this.platform.listResources(
      {
        capabilityRef: [deleted.capabilityRef],
        environment: [deleted.environment],
        text: deleted.name,
        limit: PAGE_SIZE,
      },
      { credentials },
    );
    return page.items.some(
      other =>
        other.id !== deleted.id &&
        other.status.phase !== 'Deleted' &&
        stringifyEntityRef(resourceToEntity(other, this.mapping)) === ref,
    );
  }

  private locationKey(): string {
    return providerLocationRef(this.getProviderName());
  }

  private requireConnection(): EntityProviderConnection {
    if (!this.connection) {
      throw new Error(
        `Entity provider ${this.getProviderName()} is not connected to the catalog`,
      );
    }
    return this.connection;
  }
}

async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from(
    { length: Math.min(concurrency, items.length) },
    async () => {
      while (next < items.length) {
        const item = items[next++];
        await fn(item);
      }
    },
  );
  await Promise.all(workers);
}
