import {
  Rollout,
  RolloutItemStatus,
  RolloutStatus,
} from '@trellis/backstage-plugin-platform-common';

/** A rollout to store: its instances already placed in waves. */
export interface NewRollout {
  id: string;
  capabilityRef: string;
  targetVersion: string;
  waveSize: number;
  pauseSeconds: number;
  createdBy: string;
  items: Array<{ resourceId: string; wave: number; fromVersion?: string }>;
}

/** Where a running rollout stands, as its runner needs it. */
export interface RolloutProgress {
  id: string;
  targetVersion: string;
  pauseSeconds: number;
  status: RolloutStatus;
  currentWave: number;
  waveCount: number;
  /** The current wave starts no earlier than this. */
  nextWaveAt?: string;
  createdBy: string;
}

/** A change of a rollout; `null` clears the message. */
export interface RolloutChange {
  status?: RolloutStatus;
  message?: string | null;
  currentWave?: number;
  nextWaveAt?: string;
}

/** One instance of a wave. */
export interface WaveItem {
  resourceId: string;
  status: RolloutItemStatus;
}

/** A change of one instance's upgrade; `null` clears the message. */
export interface WaveItemChange {
  status?: RolloutItemStatus;
  message?: string | null;
  startedAt?: string;
  finishedAt?: string;
}

/**
 * Day-2 rollouts and their instances, durable so that a restart (or another
 * replica) continues where a rollout stopped. Changes are conditional on
 * the state the caller read, so concurrent runners never both win one.
 */
export interface RolloutStore {
  create(rollout: NewRollout): Promise<Rollout>;
  get(id: string): Promise<Rollout | undefined>;
  /** Newest first. */
  list(filter: {
    capabilityRef?: string;
    status?: RolloutStatus[];
  }): Promise<Rollout[]>;
  /** Every running rollout. */
  listRunning(): Promise<RolloutProgress[]>;
  /** False when the rollout is not in `expected` any more. */
  update(
    id: string,
    expected: { status?: RolloutStatus[]; currentWave?: number },
    change: RolloutChange,
  ): Promise<boolean>;
  waveItems(rolloutId: string, wave: number): Promise<WaveItem[]>;
  /** False when the item is not `expectedStatus` any more. */
  updateItem(
    rolloutId: string,
    resourceId: string,
    expectedStatus: RolloutItemStatus,
    change: WaveItemChange,
  ): Promise<boolean>;
}
