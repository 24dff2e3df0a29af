import {
  LoggerService,
  createExtensionPoint,
} from '@backstage/backend-plugin-api';
import {
  DevexFact,
  IngestResult,
} from '@trellis/backstage-plugin-devex-common';

/**
 * Where a source writes facts. `write` answers once the facts are committed;
 * re-delivered facts (same `sourceId`) are counted as duplicates, invalid ones
 * are rejected with the field named, and neither stops the rest of the batch.
 *
 * @public
 */
export interface DevexFactSink {
  write(
    facts: DevexFact[],
    options?: DevexFactWriteOptions,
  ): Promise<IngestResult>;
}

/** How a batch of facts is written. @public */
export interface DevexFactWriteOptions {
  /**
   * The caller holds, durably, what the facts are made from, and writes
   * them again if they are lost (the delivery module: each raw delivery is
   * stored first and stays pending until after its facts are written). The
   * store may then answer before its commit reaches the disk: a crash of the
   * database server can lose the last such batches whole (never part of
   * one, and never one without what was committed after it), not a crash of
   * the backend.
   */
  recoverable?: boolean;
}

/**
 * Durable positions of a source (a feed cursor, the last backfilled day), kept
 * in the devex database so a restart continues where it stopped.
 *
 * @public
 */
export interface DevexCursorStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** What a source gets when the devex plugin starts it. @public */
export interface DevexSourceContext {
  sink: DevexFactSink;
  /** Cursors scoped to this source's id. */
  cursors: DevexCursorStore;
  logger: LoggerService;
}

/**
 * A source of facts. The devex plugin starts every registered source once
 * its store is ready. A source that subscribes to events or schedules work
 * does it in `start`; it must never rely on in-memory state alone to avoid
 * losing facts (use `cursors`, and re-deliver: the sink deduplicates).
 *
 * @public
 */
export interface DevexSource {
  /** Unique, lower-case, e.g. `scaffolder`, `platform`, `catalog`. */
  id: string;
  /** Shown in the UI, e.g. "Scaffolder task outcomes". */
  title: string;
  /** The fact kinds it writes (for "which source is missing" in empty views). */
  kinds: string[];
  /** Shown when it has delivered nothing: how to connect it. */
  howToConnect: string;
  start(context: DevexSourceContext): Promise<void>;
}

/** @public */
export interface DevexSourcesExtensionPoint {
  /** Registers a source; a second source with the same id is refused. */
  addSource(source: DevexSource): void;
}

/**
 * Backend modules of the devex plugin register their fact sources here.
 *
 * @public
 */
export const devexSourcesExtensionPoint =
  createExtensionPoint<DevexSourcesExtensionPoint>({
    id: 'devex.sources',
  });
