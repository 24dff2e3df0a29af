import { LoggerService } from '@backstage/backend-plugin-api';
import {
  entitySignalChannel,
  EngineObjectRef,
  PlatformResource,
  ResourceChangedSignal,
  resourceSignalChannel,
  ResourceSignal,
} from '@trellis/backstage-plugin-platform-common';
import {
  EngineChange,
  ObservedState,
  PlatformEngine,
} from '@trellis/backstage-plugin-platform-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import { ObservationResult, PlatformStore } from '../database/PlatformStore';
import { EngineRegistry } from '../engines/EngineRegistry';
import { CapabilityRegistry } from '../capabilities/CapabilityRegistry';

type Listener = (signal: ResourceSignal) => void;

/**
 * Turns what engines observe into stored status and history, and pushes every
 * change to browsers (signals, per resource and per catalog entity) and to
 * in-process subscribers.
 */
export class Observer {
  private readonly listeners = new Set<Listener>();
  /** Changes of one resource are recorded in the order the engine sent them. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly store: PlatformStore,
    private readonly engines: EngineRegistry,
    private readonly capabilities: CapabilityRegistry,
    private readonly signals: SignalsService | undefined,
    private readonly logger: LoggerService,
  ) {}

  /** Subscribes to every engine's pushed changes. */
  start() {
    for (const engine of this.engines.list()) {
      this.unsubscribes.push(
        engine.watch(change => this.enqueue(engine, change)),
      );
    }
  }

  private enqueue(engine: PlatformEngine, change: EngineChange) {
    let key = `capabilities:${engine.id}`;
    if (change.type === 'observed') key = change.state.resourceId;
    if (change.type === 'deleted') key = change.resource.resourceId;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.handle(engine, change))
      .catch(error =>
        this.logger.error(
          `Failed to record a change from engine ${engine.id}: ${error}`,
        ),
      )
      .finally(() => {
        if (this.queues.get(key) === next) this.queues.delete(key);
      });
    this.queues.set(key, next);
  }

  stop() {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async handle(engine: PlatformEngine, change: EngineChange): Promise<void> {
    switch (change.type) {
      case 'capabilities':
        await this.capabilities.refresh(engine.id);
        return;
      case 'observed':
        await this.observed(change.state);
        return;
      case 'deleted': {
        const result = await this.store.markDeleted(change.resource.resourceId);
        if (result) await this.publish(result);
        return;
      }
      default:
        return;
    }
  }

  async observed(state: ObservedState): Promise<void> {
    if (!state.resourceId) return;
    const result = await this.store.recordObservation(state.resourceId, state);
    if (result) await this.publish(result);
  }

  /**
   * The periodic full resync: heals changes a watch missed. Resources the
   * engine no longer knows are marked deleted when a delete was requested,
   * and applied again otherwise.
   */
  async resync(): Promise<void> {
    for (const engine of this.engines.list()) {
      try {
        await this.resyncEngine(engine);
      } catch (error) {
        this.logger.warn(`Resync of engine ${engine.id} failed: ${error}`);
      }
    }
  }

  private async resyncEngine(engine: PlatformEngine) {
    const known = await this.store.listAppliedResources(engine.id);
    let observed: ObservedState[];
    if (engine.observeAll) {
      observed = await engine.observeAll();
    } else {
      observed = [];
      for (const row of known) {
        const state = await engine.observe({
          resourceId: row.id,
          engineRef: JSON.parse(row.engine_ref!) as EngineObjectRef,
        });
        if (state) observed.push(state);
      }
    }
    const seen = new Set<string>();
    for (const state of observed) {
      if (!state.resourceId) continue;
      seen.add(state.resourceId);
      await this.observed(state);
    }
    for (const row of known) {
      if (seen.has(row.id) || row.dispatch_action === 'apply') continue;
      if (row.phase === 'Deleting' || row.dispatch_action === 'delete') {
        const result = await this.store.markDeleted(row.id);
        if (result) await this.publish(result);
      } else {
        this.logger.warn(
          `Engine ${engine.id} has no record of resource ${row.id}; applying it again`,
        );
        await this.store.scheduleReapply(
          row.id,
          'Resync: the engine had no record of the resource',
        );
      }
    }
  }

  /** Publishes a stored change. */
  async publish({ after }: ObservationResult): Promise<void> {
    await this.announce(after);
  }

  /**
   * Tells in-process subscribers what changed, and browsers that something
   * changed.
   */
  async announce(after: PlatformResource): Promise<void> {
    const signal: ResourceSignal = {
      resourceId: after.id,
      phase: after.status.phase,
      generation: after.generation,
      observedGeneration: after.observedGeneration,
      updatedAt: after.updatedAt,
    };
    for (const listener of this.listeners) {
      try {
        listener(signal);
      } catch (error) {
        this.logger.warn(`A platform subscriber failed: ${error}`);
      }
    }
    if (!this.signals) return;
    // Signals are broadcast to whoever subscribes to a channel, whatever they
    // may read: the message says only that something changed, and browsers
    // read the resource again through the API's permission check.
    const message: ResourceChangedSignal = { type: 'changed' };
    try {
      await this.signals.publish({
        recipients: { type: 'broadcast' },
        channel: resourceSignalChannel(after.id),
        message,
      });
      if (after.component) {
        await this.signals.publish({
          recipients: { type: 'broadcast' },
          channel: entitySignalChannel(after.component),
          message,
        });
      }
    } catch (error) {
      this.logger.warn(`Could not publish a signal for ${after.id}: ${error}`);
    }
  }
}
