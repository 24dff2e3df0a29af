import { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { ClusterClient, RawWatchEvent } from '../cluster/ClusterClient';
import { ResourceExpiredError } from '../cluster/errors';
import {
  KubeObject,
  objectKey,
  qualifiedResource,
  ResourceType,
} from '../cluster/types';
import { BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff';

/** A watch that ends sooner than this without any event counts as a failure. */
const QUICK_WATCH_END_MS = 1000;

/** A change of one watched object, after the watcher's cache took it in. */
export interface ObjectEvent {
  type: 'upsert' | 'delete';
  object: KubeObject;
}

export interface ResourceWatcherOptions {
  client: ClusterClient;
  type: ResourceType;
  labelSelector?: string;
  logger: LoggerService;
  onEvent: (event: ObjectEvent) => void;
  /** Told when the type stops or starts being served (its CRD was removed or installed). */
  onServedChange?: (served: boolean) => void;
  backoff?: BackoffOptions;
  /** Bounds of the server-side watch timeout, randomized like client-go does. */
  watchTimeoutSeconds?: { min: number; max: number };
}

/**
 * Keeps an up-to-date cache of one resource type, the way an informer does:
 * list, then watch from the list's resourceVersion with bookmarks; resume
 * from the last seen resourceVersion when the connection ends; list again
 * on `410 Gone` or when asked to resync, and report what changed in between
 * (including deletions); reconnect with backoff on errors.
 */
export class ResourceWatcher {
  readonly type: ResourceType;
  readonly labelSelector?: string;
  private readonly objects = new Map<string, KubeObject>();
  private readonly options: ResourceWatcherOptions;
  private readonly backoff: BackoffOptions;
  private resourceVersion = '';
  private relistRequested = true;
  private running = false;
  private synced = false;
  private served = true;
  private failures = 0;
  private lastProblem?: string;
  private currentWatch?: AbortController;
  private wakeUp?: () => void;

  constructor(options: ResourceWatcherOptions) {
    this.options = options;
    this.type = options.type;
    this.labelSelector = options.labelSelector;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** True once the cache holds a complete list. */
  get isSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion a reconnecting watch resumes from (client-go's LastSyncResourceVersion). */
  get lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(objectKey({ namespace, name }));
  }

  list(): KubeObject[] {
    return [...this.objects.values()];
  }

  start() {
    if (this.running) {
      return;
    }
    this.running = true;
    this.run().catch(error =>
      this.options.logger.error(
        `Watch of ${this.describe()} stopped unexpectedly`,
        error,
      ),
    );
  }

  stop() {
    this.running = false;
    this.interrupt();
  }

  /** Lists again now and reports whatever the watch missed. */
  resync() {
    this.relistRequested = true;
    this.interrupt();
  }

  private interrupt() {
    this.currentWatch?.abort();
    this.currentWatch = undefined;
    this.wakeUp?.();
  }

  private async run() {
    while (this.running) {
      try {
        if (this.relistRequested) {
          await this.relist();
        }
        const startedAt = Date.now();
        const receivedEvents = await this.watchOnce(this.resourceVersion);
        // A watch the server closes at once, again and again, must not spin.
        if (receivedEvents || Date.now() - startedAt >= QUICK_WATCH_END_MS) {
          this.failures = 0;
        } else {
          await this.sleep(this.nextDelay());
        }
      } catch (error) {
        if (!this.running) {
          break;
        }
        if (error instanceof ResourceExpiredError) {
          this.options.logger.debug(
            `Watch of ${this.describe()} expired; listing again`,
          );
          this.relistRequested = true;
          continue;
        }
        // Other failures resume the watch from the last resourceVersion; if
        // the server no longer has it, it answers 410 and the cache relists.
        if (error instanceof NotFoundError) {
          this.relistRequested = true;
          this.markServed(false);
        } else {
          this.reportProblem(error as Error);
        }
        await this.sleep(
          this.served ? this.nextDelay() : this.backoff.maxDelayMs,
        );
      }
    }
  }

  private async relist() {
    // Cleared first, so that a resync asked for during the list is kept.
    this.relistRequested = false;
    let items: KubeObject[];
    let resourceVersion: string;
    try {
      ({ items, resourceVersion } = await this.options.client.list(this.type, {
        labelSelector: this.labelSelector,
      }));
    } catch (error) {
      this.relistRequested = true;
      if (error instanceof NotFoundError) {
        // The type is gone, and with its CRD every object of it.
        this.replaceAll([]);
        this.synced = true;
      }
      throw error;
    }
    this.replaceAll(items);
    this.resourceVersion = resourceVersion;
    this.synced = true;
    this.markServed(true);
    this.recovered();
  }

  /** Takes a complete list in and reports the difference to the cache. */
  private replaceAll(items: KubeObject[]) {
    const listed = new Set<string>();
    for (const object of items) {
      const key = objectKey(object.metadata);
      listed.add(key);
      this.upsert(key, object);
    }
    for (const [key, object] of [...this.objects]) {
      if (!listed.has(key)) {
        this.objects.delete(key);
        this.options.onEvent({ type: 'delete', object });
      }
    }
  }

  private upsert(key: string, object: KubeObject) {
    const previous = this.objects.get(key);
    this.objects.set(key, object);
    if (
      !previous ||
      previous.metadata.resourceVersion !== object.metadata.resourceVersion
    ) {
      this.options.onEvent({ type: 'upsert', object });
    }
  }

  /**
   * Watches until the server ends the stream. Resolves with whether any
   * event arrived; rejects with ResourceExpiredError on 410 and with the
   * mapped error on failures.
   */
  private watchOnce(resourceVersion: string): Promise<boolean> {
    const { min, max } = this.options.watchTimeoutSeconds ?? {
      min: 300,
      max: 600,
    };
    return new Promise<boolean>((resolve, reject) => {
      let receivedEvents = false;
      let streamError: Error | undefined;
      let finished = false;
      const finish = (error?: Error) => {
        if (finished) {
          return;
        }
        finished = true;
        this.currentWatch = undefined;
        if (!this.running || this.relistRequested) {
          // Stopped, or interrupted for a resync: not a failure.
          resolve(true);
        } else if (streamError ?? error) {
          reject(streamError ?? error);
        } else {
          resolve(receivedEvents);
        }
      };
      const onEvent = (event: RawWatchEvent) => {
        if (finished) {
          return;
        }
        receivedEvents = true;
        if (event.type === 'ERROR') {
          if (event.object.code === 410) {
            this.relistRequested = true;
          }
          streamError =
            event.object.code === 410
              ? new ResourceExpiredError(event.object.message ?? 'Gone')
              : new Error(
                  `Watch of ${this.describe()} failed: ${
                    event.object.message ?? 'unknown error'
                  }`,
                );
          return;
        }
        const object = event.object;
        if (object.metadata?.resourceVersion) {
          this.resourceVersion = object.metadata.resourceVersion;
        }
        if (event.type === 'ADDED' || event.type === 'MODIFIED') {
          this.upsert(objectKey(object.metadata), object);
        } else if (event.type === 'DELETED') {
          const key = objectKey(object.metadata);
          if (this.objects.delete(key)) {
            this.options.onEvent({ type: 'delete', object });
          }
        }
      };
      this.options.client
        .watch(
          this.type,
          {
            resourceVersion,
            labelSelector: this.labelSelector,
            timeoutSeconds: min + Math.floor(Math.random() * (max - min + 1)),
          },
          onEvent,
          finish,
        )
        .then(controller => {
          if (finished) {
            return;
          }
          this.currentWatch = controller;
          if (!this.running || this.relistRequested) {
            controller.abort();
          } else {
            this.recovered();
          }
        }, finish);
    });
  }

  private nextDelay(): number {
    this.failures += 1;
    return backoffDelay(this.failures, this.backoff);
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) {
      return Promise.resolve();
    }
    return new Promise<void>(resolve => {
      // A watcher waiting to reconnect must not keep the process alive.
      const timer = setTimeout(resolve, ms).unref();
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.wakeUp = undefined;
    });
  }

  private markServed(served: boolean) {
    if (this.served === served) {
      return;
    }
    this.served = served;
    if (served) {
      this.options.logger.info(`${this.describe()} is served again`);
    } else {
      this.options.logger.warn(
        `${this.describe()} is not served by the cluster (CustomResourceDefinition missing); retrying`,
      );
    }
    this.options.onServedChange?.(served);
  }

  private reportProblem(error: Error) {
    // Log each distinct problem once, not on every retry.
    if (error.message !== this.lastProblem) {
      this.lastProblem = error.message;
      this.options.logger.warn(
        `Watch of ${this.describe()} failed, retrying with backoff: ${
          error.message
        }`,
      );
    }
  }

  private recovered() {
    if (this.lastProblem) {
      this.lastProblem = undefined;
      this.options.logger.info(`Watch of ${this.describe()} recovered`);
    }
  }

  private describe(): string {
    return qualifiedResource(this.type);
  }
}
