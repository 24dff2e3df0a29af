import { LoggerService } from '@backstage/backend-plugin-api';
import {
  entitySignalChannel,
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
import { DispatchOutbox } from '../database/DispatchOutbox';
import { ResourceStore } from '../database/ResourceStore';
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
    private readonly stores: {
      resources: Pick<
        ResourceStore,
        'recordObservation' | 'markDeleted' | 'listApplied'
      >;
      outbox: Pick<DispatchOutbox, 'scheduleReapply'>;
    },
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

  /** Records the change after the earlier ones of the same resource. */
  private enqueue(engine: PlatformEngine, change: EngineChange): Promise<void> {
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
    return next;
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
        await this.observed(change.state, engine.instanceId);
        return;
      case 'deleted': {
        const result = await this.stores.resources.markDeleted(
          change.resource.resourceId,
          undefined,
          engine.instanceId,
        );
        if (result) await this.announce(result.after);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Records an observation. `instance` is the process-local engine instance
   * that made it: observations of resources bound to another are ignored.
   */
  async observed(state: ObservedState, instance?: string): Promise<void> {
    if (!state.resourceId) return;
    const result = await this.stores.resources.recordObservation(
      state.resourceId,
      state,
      instance,
    );
    if (result) await this.announce(result.after);
  }

  /**
   * The periodic full resync compares desired and observed state, the way a
   * controller's resync does: it records what a watch missed, applies again
   * a resource the engine holds but is not working on (Pending below the
   * desired generation, with nothing owed), marks deleted what the engine no
   * longer knows when a delete was requested, and applies again what it lost
   * otherwise. A process-local engine (`instanceId`) is compared with the
   * resources bound to it only: the other replicas' resources are theirs.
   * `which` picks the engines (process-local ones resync on every replica).
   */
  async resync(
    which: (engine: PlatformEngine) => boolean = () => true,
  ): Promise<void> {
    for (const engine of this.engines.list().filter(which)) {
      try {
        await this.resyncEngine(engine);
      } catch (error) {
        this.logger.warn(`Resync of engine ${engine.id} failed: ${error}`);
      }
    }
  }

  private async resyncEngine(engine: PlatformEngine) {
    const instance = engine.instanceId;
    const known = await this.stores.resources.listApplied(engine.id, instance);
    let observed: ObservedState[];
    if (engine.observeAll) {
      observed = await engine.observeAll();
    } else {
      observed = [];
      for (const row of known) {
        const state = await engine.observe({
          resourceId: row.id,
          engineRef: row.engineRef,
        });
        if (state) observed.push(state);
      }
    }
    // Recorded in line with the watch, all queued at once: a change pushed
    // after this read is newer, and must be recorded after it, not before.
    const states = observed.filter(state => state.resourceId);
    await Promise.all(
      states.map(state => this.enqueue(engine, { type: 'observed', state })),
    );
    const seen = new Set(states.map(state => state.resourceId!));
    const rows = new Map(known.map(row => [row.id, row]));
    for (const state of states) {
      const row = rows.get(state.resourceId!);
      if (
        row &&
        !row.pendingAction &&
        state.phase === 'Pending' &&
        (state.observedGeneration ?? 0) < row.generation
      ) {
        this.logger.warn(
          `Engine ${engine.id} holds resource ${row.id} but is not working on it; applying it again`,
        );
        await this.stores.outbox.scheduleReapply(
          row.id,
          'Resync: the engine held the resource without working on it',
        );
      }
    }
    for (const row of known) {
      if (seen.has(row.id) || row.pendingAction === 'apply') continue;
      if (row.phase === 'Deleting' || row.pendingAction === 'delete') {
        const result = await this.stores.resources.markDeleted(row.id);
        if (result) await this.announce(result.after);
      } else {
        this.logger.warn(
          `Engine ${engine.id} has no record of resource ${row.id}; applying it again`,
        );
        await this.stores.outbox.scheduleReapply(
          row.id,
          'Resync: the engine had no record of the resource',
        );
      }
    }
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
