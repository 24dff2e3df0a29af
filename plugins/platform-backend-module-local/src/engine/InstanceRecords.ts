import { LoggerService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import {
  EngineChange,
  ObservedState,
} from '@trellis/backstage-plugin-platform-node';
import { StateStore } from '../state/StateStore';
import { InstanceRecord } from '../state/types';
import { toObservedState } from './mapping';

/**
 * The engine's instance records: held in memory, written to the state
 * folder, and published to watchers only once on disk, so the platform
 * never hears of a state the engine could lose.
 */
export class InstanceRecords {
  private readonly records = new Map<string, InstanceRecord>();
  /** Records whose latest state could not be written yet. */
  private readonly unsaved = new Set<string>();
  /** The state last published per record (see `observedState`). */
  private readonly published = new Map<string, ObservedState>();
  private readonly listeners = new Set<(change: EngineChange) => void>();
  private stopped = false;

  constructor(
    private readonly store: StateStore,
    private readonly logger: LoggerService,
  ) {}

  /** Loads the records the state folder holds. */
  async load(): Promise<void> {
    for (const record of await this.store.loadInstances(this.logger)) {
      this.records.set(record.resourceId, record);
    }
  }

  /** True once the engine stops: nothing more is written or told. */
  get isStopped(): boolean {
    return this.stopped;
  }

  stop() {
    this.stopped = true;
    this.listeners.clear();
  }

  get(resourceId: string): InstanceRecord | undefined {
    return this.records.get(resourceId);
  }

  all(): InstanceRecord[] {
    return [...this.records.values()];
  }

  /** Takes in a record that was just written (see `save`), and publishes it. */
  add(record: InstanceRecord) {
    this.records.set(record.resourceId, record);
    this.publish(toObservedState(record));
  }

  /** Forgets a record whose instance is gone. */
  async remove(record: InstanceRecord) {
    await this.store.removeInstance(record.resourceId);
    this.records.delete(record.resourceId);
    this.published.delete(record.resourceId);
  }

  /** Whether the record's latest state is still to be written. */
  isUnsaved(resourceId: string): boolean {
    return this.unsaved.has(resourceId);
  }

  watch(listener: (change: EngineChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Makes the record's state durable, then publishes it. The state is
   * taken before the write, so watchers hear of changes in the order they
   * happened. When the write fails the record is requeued (see the
   * reconciler) until it succeeds.
   */
  async commit(record: InstanceRecord): Promise<void> {
    const state = toObservedState(record);
    await this.persist(record);
    this.publish(state);
  }

  /**
   * Changes the record and makes the change durable; when the write fails
   * the change is undone (fields someone else changed meanwhile are kept)
   * and the error thrown, so nothing counts as accepted that is not on disk.
   * `change` must replace the fields it changes, not mutate them.
   */
  async changeDurably(record: InstanceRecord, change: () => void) {
    const fields = [
      'desired',
      'status',
      'deletionRequestedAt',
      'failures',
      'updatedAt',
    ] as const;
    const before = fields.map(field => record[field]);
    change();
    const after = fields.map(field => record[field]);
    const state = toObservedState(record);
    try {
      await this.save(record);
    } catch (error) {
      fields.forEach((field, i) => {
        if (record[field] === after[i]) {
          (record as any)[field] = before[i];
        }
      });
      throw error;
    }
    this.publish(state);
  }

  /** Writes the record, saying that the state folder failed when it did. */
  async save(record: InstanceRecord): Promise<void> {
    try {
      await this.store.saveInstance(record);
    } catch (error) {
      throw new ServiceUnavailableError(
        `The local engine could not write its state to ${this.store.root}: ${
          (error as Error).message
        }`,
      );
    }
  }

  /** Writes a record the engine holds, remembering when that failed. */
  async persist(record: InstanceRecord): Promise<void> {
    if (this.stopped || !this.records.has(record.resourceId)) {
      return;
    }
    try {
      await this.save(record);
      this.unsaved.delete(record.resourceId);
    } catch (error) {
      this.unsaved.add(record.resourceId);
      throw error;
    }
  }

  /** Tells watchers the record's current state again. */
  republish(record: InstanceRecord) {
    this.publish(this.observedState(record));
  }

  /**
   * What `observe` reports: the state last published, which is on disk,
   * never one still being written (it could be lost, and would arrive
   * before the older states still being written).
   */
  observedState(record: InstanceRecord): ObservedState {
    return this.published.get(record.resourceId) ?? toObservedState(record);
  }

  emit(change: EngineChange) {
    if (this.stopped) return;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.warn(`A platform engine listener failed: ${error}`);
      }
    }
  }

  /** Tells watchers a state, which `observe` reports from then on. */
  private publish(state: ObservedState) {
    this.published.set(state.resourceId!, state);
    this.emit({ type: 'observed', state });
  }
}
