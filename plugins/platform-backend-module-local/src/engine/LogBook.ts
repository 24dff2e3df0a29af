import { PipelineLog } from '@trellis/backstage-plugin-platform-common';
import { StateStore } from '../state/StateStore';

/** How many step logs an instance keeps; older ones are dropped. */
const MAX_ENTRIES = 50;

interface OpenBook {
  entries: PipelineLog[];
  /** The output of the running step, read live. */
  live?: { entry: PipelineLog; output(): string };
}

/**
 * The logs of each instance's steps, newest last. While a pipeline runs,
 * its instance's logs are held in memory (with the running step's output
 * read live) and written through to disk; otherwise they are read from disk.
 */
export class LogBook {
  private readonly open = new Map<string, OpenBook>();

  constructor(private readonly store: StateStore) {}

  async beginRun(resourceId: string): Promise<void> {
    this.open.set(resourceId, {
      entries: await this.store.readLogs(resourceId),
    });
  }

  async endRun(resourceId: string): Promise<void> {
    const book = this.open.get(resourceId);
    this.open.delete(resourceId);
    if (book) {
      await this.store.saveLogs(resourceId, () => book.entries);
    }
  }

  stepStarted(
    resourceId: string,
    step: {
      pipeline: string;
      step: string;
      startedAt: string;
      output(): string;
    },
  ) {
    const book = this.open.get(resourceId);
    if (!book) return;
    const entry: PipelineLog = {
      pipeline: step.pipeline,
      step: step.step,
      status: 'Running',
      startedAt: step.startedAt,
      output: '',
    };
    book.entries = [...book.entries, entry].slice(-MAX_ENTRIES);
    book.live = { entry, output: step.output };
    void this.store.saveLogs(resourceId, () => book.entries).catch(() => {});
  }

  stepFinished(resourceId: string, log: PipelineLog) {
    const book = this.open.get(resourceId);
    if (!book) return;
    const index = book.live ? book.entries.indexOf(book.live.entry) : -1;
    if (index >= 0) {
      book.entries[index] = log;
    } else {
      book.entries = [...book.entries, log].slice(-MAX_ENTRIES);
    }
    book.live = undefined;
    void this.store.saveLogs(resourceId, () => book.entries).catch(() => {});
  }

  async list(resourceId: string): Promise<PipelineLog[]> {
    const book = this.open.get(resourceId);
    if (!book) {
      return this.store.readLogs(resourceId);
    }
    return book.entries.map(entry =>
      entry === book.live?.entry
        ? { ...entry, output: book.live.output() }
        : entry,
    );
  }

  /** Closes the steps a crash left running, saying what happened. */
  async markInterrupted(resourceId: string): Promise<void> {
    const entries = await this.store.readLogs(resourceId);
    if (!entries.some(e => e.status === 'Running')) return;
    const now = new Date().toISOString();
    const closed = entries.map(entry =>
      entry.status === 'Running'
        ? {
            ...entry,
            status: 'Cancelled' as const,
            finishedAt: now,
            output: `${entry.output}[engine] interrupted: the backend stopped while this step ran; the pipeline runs again\n`,
          }
        : entry,
    );
    await this.store.saveLogs(resourceId, () => closed);
  }
}
