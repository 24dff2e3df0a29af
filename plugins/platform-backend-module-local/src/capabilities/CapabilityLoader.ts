import { LoggerService } from '@backstage/backend-plugin-api';
import { createLegacyAnnotationWarner } from '@trellis/backstage-plugin-platform-common';
import { FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parsePromiseFile } from './parsePromise';
import { CapabilityDefinition } from './types';

/** Capability files larger than this are refused rather than parsed. */
const MAX_FILE_BYTES = 1024 * 1024;
/** Editors write a file in several steps; wait for them to settle. */
const WATCH_DEBOUNCE_MS = 150;

interface FileEntry {
  signature: string;
  capability?: CapabilityDefinition;
  error?: string;
}

/**
 * Reads capabilities from the top-level `*.yaml` files of a folder, one
 * capability per file. Subfolders are ignored on purpose: they hold the
 * pipeline scripts, and `kubernetes/` holds definitions for another engine.
 *
 * Files are re-read when their size or modification time changes, so
 * editing a file updates the capability without a restart. A file that
 * becomes invalid keeps serving its last valid reading, marked with the
 * problem, so running instances are not orphaned by a typo.
 */
export class CapabilityLoader {
  private readonly dir: string;
  private readonly logger: LoggerService;
  private files = new Map<string, FileEntry>();
  private capabilities = new Map<string, CapabilityDefinition>();
  private refreshing?: Promise<boolean>;
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;
  private missingReported = false;
  /** Warns once per file and old annotation spelling, not on every re-read. */
  private readonly legacyWarner: ReturnType<
    typeof createLegacyAnnotationWarner
  >;

  constructor(options: { dir: string; logger: LoggerService }) {
    this.dir = resolve(options.dir);
    this.logger = options.logger;
    this.legacyWarner = createLegacyAnnotationWarner(message =>
      this.logger.warn(message),
    );
  }

  get directory(): string {
    return this.dir;
  }

  async list(): Promise<CapabilityDefinition[]> {
    await this.refresh();
    return [...this.capabilities.values()];
  }

  async get(name: string): Promise<CapabilityDefinition | undefined> {
    await this.refresh();
    return this.capabilities.get(name);
  }

  /** Re-reads changed files; resolves to true when the capabilities changed. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  /**
   * Calls `onChange` after files in the folder changed and were re-read.
   * Returns the function that stops watching.
   */
  watch(onChange: () => void): () => void {
    this.unwatch();
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => {
          this.refresh().then(
            changed => changed && onChange(),
            error =>
              this.logger.warn(`Could not re-read capabilities: ${error}`),
          );
        }, WATCH_DEBOUNCE_MS);
      });
      this.watcher.on('error', error => {
        this.logger.warn(
          `Stopped watching ${this.dir} for capability changes: ${error}`,
        );
        this.unwatch();
      });
    } catch (error) {
      this.logger.warn(
        `Cannot watch ${this.dir} for capability changes (${error}); they are picked up on the next resync`,
      );
    }
    return () => this.unwatch();
  }

  private unwatch() {
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async doRefresh(): Promise<boolean> {
    const names = await this.listFiles();
    const next = new Map<string, FileEntry>();
    for (const fileName of names) {
      const file = join(this.dir, fileName);
      let signature: string;
      try {
        const info = await stat(file);
        signature = `${info.size}:${info.mtimeMs}`;
        if (info.size > MAX_FILE_BYTES) {
          next.set(fileName, {
            signature,
            error: `is larger than ${MAX_FILE_BYTES} bytes`,
          });
          continue;
        }
      } catch {
        continue; // deleted between readdir and stat
      }
      const previous = this.files.get(fileName);
      if (previous?.signature === signature) {
        next.set(fileName, previous);
        continue;
      }
      next.set(fileName, await this.readFileEntry(file, signature, previous));
    }
    return this.publish(next);
  }

  private async listFiles(): Promise<string[]> {
    try {
      const entries = await readdir(this.dir, { withFileTypes: true });
      this.missingReported = false;
      return entries
        .filter(e => e.isFile() && /\.ya?ml$/.test(e.name))
        .map(e => e.name)
        .sort();
    } catch (error) {
      if (!this.missingReported) {
        this.missingReported = true;
        this.logger.warn(
          `Cannot read the capabilities folder ${this.dir}: ${error}`,
        );
      }
      return [];
    }
  }

  private async readFileEntry(
    file: string,
    signature: string,
    previous: FileEntry | undefined,
  ): Promise<FileEntry> {
    try {
      const text = await readFile(file, 'utf8');
      const values = parseAllDocuments(text).map(document => {
        if (document.errors.length > 0) {
          throw new Error(document.errors[0].message);
        }
        return document.toJS({ maxAliasCount: 100 });
      });
      return {
        signature,
        capability: parsePromiseFile(
          file,
          values,
          this.dir,
          this.legacyWarner(`Capability file ${file}`),
        ),
      };
    } catch (error) {
      const problem = `${file} is invalid: ${(error as Error).message}`;
      this.logger.warn(
        previous?.capability
          ? `${problem}; serving its last valid version until it is fixed`
          : problem,
      );
      return {
        signature,
        error: problem,
        capability: previous?.capability && {
          ...previous.capability,
          problem,
        },
      };
    }
  }

  private publish(next: Map<string, FileEntry>): boolean {
    const capabilities = new Map<string, CapabilityDefinition>();
    for (const [fileName, entry] of next) {
      const capability = entry.capability;
      if (!capability) {
        continue;
      }
      const existing = capabilities.get(capability.name);
      if (existing) {
        if (this.files.get(fileName) !== entry) {
          this.logger.warn(
            `${capability.file} defines capability ${capability.name} again (first defined in ${existing.file}); ignoring it`,
          );
        }
        continue;
      }
      capabilities.set(capability.name, capability);
    }
    const changed =
      JSON.stringify([...capabilities.values()]) !==
      JSON.stringify([...this.capabilities.values()]);
    this.files = next;
    this.capabilities = capabilities;
    return changed;
  }
}
