import { LoggerService } from '@backstage/backend-plugin-api';
import { PipelineLog } from '@trellis/backstage-plugin-platform-common';
import {
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { isResourceId, resolveInside } from './paths';
import { InstanceRecord } from './types';

/**
 * The engine's durable state, in its own folder (never the platform's
 * database):
 *
 *     instance-id                            the engine instance's id
 *     instances/<resourceId>/instance.json   desired and observed state
 *     instances/<resourceId>/logs.json       logs of the latest steps
 *     runs/<resourceId>/<runId>/             working folders of running pipelines
 *     capability-data/<capability>/          what the capabilities' steps create
 *     state-store/                           the Git state store
 *
 * Files are replaced atomically (write, then rename), and writes of one file
 * are serialized so that an older snapshot never overwrites a newer one.
 */
export class StateStore {
  readonly root: string;
  private readonly writes = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, () => unknown>();
  private tmpCounter = 0;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async init(): Promise<void> {
    for (const dir of ['instances', 'runs', 'capability-data']) {
      await mkdir(join(this.root, dir), { recursive: true, mode: 0o700 });
    }
  }

  /**
   * The id of this state folder, made on first use: the engine instance
   * that the platform binds the folder's resources to.
   */
  async instanceId(): Promise<string> {
    const file = join(this.root, 'instance-id');
    try {
      const id = (await readFile(file, 'utf8')).trim();
      if (id) return id;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const id = `local-${randomUUID()}`;
    await this.writeAtomically(file, `${id}\n`);
    return id;
  }

  get gitDir(): string {
    return join(this.root, 'state-store');
  }

  /** Reads every instance; unreadable ones are reported and skipped. */
  async loadInstances(logger: LoggerService): Promise<InstanceRecord[]> {
    const records: InstanceRecord[] = [];
    for (const id of await readdir(join(this.root, 'instances'))) {
      if (!isResourceId(id)) {
        continue;
      }
      const file = this.instanceFile(id);
      try {
        records.push(JSON.parse(await readFile(file, 'utf8')));
      } catch (error) {
        logger.warn(`Skipping unreadable instance state ${file}: ${error}`);
      }
    }
    return records;
  }

  /** Persists the record as it is when the write happens. */
  saveInstance(record: InstanceRecord): Promise<void> {
    return this.write(this.instanceFile(record.resourceId), () => record);
  }

  async removeInstance(resourceId: string): Promise<void> {
    await this.settle(this.instanceFile(resourceId));
    await this.settle(this.logsFile(resourceId));
    await rm(resolveInside(this.root, 'instances', resourceId), {
      recursive: true,
      force: true,
    });
    await rm(resolveInside(this.root, 'runs', resourceId), {
      recursive: true,
      force: true,
    });
  }

  async readLogs(resourceId: string): Promise<PipelineLog[]> {
    try {
      return JSON.parse(await readFile(this.logsFile(resourceId), 'utf8'));
    } catch {
      return [];
    }
  }

  saveLogs(resourceId: string, logs: () => PipelineLog[]): Promise<void> {
    return this.write(this.logsFile(resourceId), logs);
  }

  /** A new, empty working folder for one pipeline run. */
  async createRunDir(resourceId: string, runId: string): Promise<string> {
    const dir = resolveInside(this.root, 'runs', resourceId, runId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  async removeRunDirs(resourceId: string): Promise<void> {
    await rm(resolveInside(this.root, 'runs', resourceId), {
      recursive: true,
      force: true,
    });
  }

  /** The persistent folder of one capability's steps. */
  async capabilityDataDir(capability: string): Promise<string> {
    const dir = resolveInside(this.root, 'capability-data', capability);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  private instanceFile(resourceId: string): string {
    return resolveInside(this.root, 'instances', resourceId, 'instance.json');
  }

  private logsFile(resourceId: string): string {
    return resolveInside(this.root, 'instances', resourceId, 'logs.json');
  }

  /**
   * Queues a write of `file`. While one write runs, further requests merge
   * into a single follow-up write of the latest value.
   */
  private write(file: string, value: () => unknown): Promise<void> {
    const alreadyPending = this.pending.has(file);
    this.pending.set(file, value);
    if (alreadyPending) {
      return this.writes.get(file)!;
    }
    // A failed write must not fail (and skip) the writes queued after it.
    const previous = (this.writes.get(file) ?? Promise.resolve()).catch(
      () => undefined,
    );
    const next = previous.then(async () => {
      const latest = this.pending.get(file)!;
      this.pending.delete(file);
      await this.writeAtomically(file, JSON.stringify(latest(), null, 2));
    });
    this.writes.set(file, next);
    next
      .catch(() => undefined)
      .then(() => {
        if (this.writes.get(file) === next) this.writes.delete(file);
      });
    return next;
  }

  private async settle(file: string) {
    await this.writes.get(file)?.catch(() => undefined);
  }

  private async writeAtomically(file: string, content: string) {
    const dir = resolve(file, '..');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.tmpCounter += 1;
    const tmp = `${file}.${process.pid}.${this.tmpCounter}.tmp`;
    await writeFile(tmp, content, { mode: 0o600 });
    await rename(tmp, file);
  }
}
