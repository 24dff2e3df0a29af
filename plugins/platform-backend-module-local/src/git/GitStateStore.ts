import { execFile } from 'node:child_process';
import {
  copyFile,
  lstat,
  mkdir,
  readdir,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveInside } from '../state/paths';

const execFileAsync = promisify(execFile);

/** Where one resource's documents live: Kratix's state store layout. */
export interface ResourceLocation {
  environment: string;
  capability: string;
  name: string;
}

interface Change {
  location: ResourceLocation;
  /** The pipelines' output folders, or undefined to remove the resource. */
  outputs?: Array<{ pipeline: string; dir: string }>;
  message: string;
  resolve(commit: string): void;
  reject(error: Error): void;
}

const README = `# Local engine state store

The Trellis local engine commits here what its pipelines write to
\`/kratix/output\`, the way Kratix commits to its Git state store:

    resources/<environment>/<capability>/<name>/<pipeline>/...

Every change is a commit, so \`git log\` is the provisioning history.
`;

/**
 * A real Git repository that holds the documents the pipelines produce.
 *
 * Writes are queued and applied one batch at a time: the changes waiting
 * when a commit finishes go into the next commit together, which keeps
 * Git's index lock uncontended when many pipelines finish at once.
 */
export class GitStateStore {
  private readonly env: Record<string, string>;
  private queue: Change[] = [];
  private flushing = false;

  constructor(private readonly dir: string) {
    // Git runs with its own environment too: no user or system config (a
    // signing or hook setting there would break or hang the commits).
    this.env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      LANG: 'C',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Trellis local engine',
      GIT_AUTHOR_EMAIL: 'local-engine@trellis.invalid',
      GIT_COMMITTER_NAME: 'Trellis local engine',
      GIT_COMMITTER_EMAIL: 'local-engine@trellis.invalid',
    };
  }

  /** Creates the repository with a first commit, unless it exists. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const isRepository = await stat(join(this.dir, '.git')).then(
      () => true,
      () => false,
    );
    if (!isRepository) {
      await this.git('init', '--quiet', '--initial-branch=main');
    }
    const hasCommit = await this.git('rev-parse', '--verify', '--quiet', 'HEAD')
      .then(() => true)
      .catch(() => false);
    if (!hasCommit) {
      await writeFile(join(this.dir, 'README.md'), README);
      await this.git('add', 'README.md');
      await this.git('commit', '--quiet', '-m', 'Initialize the state store');
    }
  }

  /**
   * Replaces the resource's documents with the given output folders and
   * commits. Resolves to the commit id (the current one when nothing
   * changed).
   */
  write(
    location: ResourceLocation,
    outputs: Array<{ pipeline: string; dir: string }>,
    message: string,
  ): Promise<string> {
    return this.enqueue({ location, outputs, message });
  }

  /** Removes the resource's documents and commits. */
  remove(location: ResourceLocation, message: string): Promise<string> {
    return this.enqueue({ location, message });
  }

  /** The paths committed for a resource, relative to its folder. */
  async listFiles(location: ResourceLocation): Promise<string[]> {
    const { stdout } = await this.git(
      'ls-tree',
      '-r',
      '--name-only',
      'HEAD',
      '--',
      this.relativePath(location),
    );
    const prefix = `${this.relativePath(location)}/`;
    return stdout
      .split('\n')
      .filter(Boolean)
      .map(line => line.slice(prefix.length));
  }

  private relativePath(location: ResourceLocation): string {
    return [
      'resources',
      location.environment,
      location.capability,
      location.name,
    ].join('/');
  }

  private enqueue(change: Omit<Change, 'resolve' | 'reject'>): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...change, resolve, reject });
      this.flush();
    });
  }

  private async flush() {
    if (this.flushing) {
      return;
    }
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await this.commitBatch(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commitBatch(batch: Change[]) {
    const applied: Change[] = [];
    for (const change of batch) {
      try {
        await this.applyToWorktree(change);
        applied.push(change);
      } catch (error) {
        change.reject(error as Error);
      }
    }
    if (applied.length === 0) {
      return;
    }
    try {
      await this.git('add', '--all');
      const message =
        applied.length === 1
          ? applied[0].message
          : `${applied.length} changes\n\n${applied
              .map(c => `- ${c.message}`)
              .join('\n')}`;
      await this.git('commit', '--quiet', '--no-verify', '-m', message).catch(
        error => {
          // Writing what is already committed is not an error.
          if (!String(error.stdout).includes('nothing to commit')) throw error;
        },
      );
      const { stdout } = await this.git('rev-parse', 'HEAD');
      for (const change of applied) change.resolve(stdout.trim());
    } catch (error) {
      for (const change of applied) change.reject(error as Error);
    }
  }

  private async applyToWorktree(change: Change) {
    const { environment, capability, name } = change.location;
    const target = resolveInside(
      this.dir,
      'resources',
      environment,
      capability,
      name,
    );
    await rm(target, { recursive: true, force: true });
    for (const output of change.outputs ?? []) {
      await copyRegularFiles(
        output.dir,
        resolveInside(target, output.pipeline),
      );
    }
  }

  private git(...args: string[]) {
    return execFileAsync('git', args, {
      cwd: this.dir,
      env: this.env,
      maxBuffer: 16 * 1024 * 1024,
    });
  }
}

/**
 * Copies folders and regular files only. Symlinks are skipped rather than
 * followed: a pipeline must not be able to get files from elsewhere on the
 * machine committed.
 */
async function copyRegularFiles(from: string, to: string) {
  const entries = await readdir(from);
  if (entries.length === 0) {
    return;
  }
  await mkdir(to, { recursive: true });
  for (const entry of entries) {
    if (entry === '.git') {
      continue; // would turn the folder into a nested repository
    }
    const source = join(from, entry);
    const info = await lstat(source);
    if (info.isDirectory()) {
      await copyRegularFiles(source, join(to, entry));
    } else if (info.isFile()) {
      await copyFile(source, join(to, entry));
    }
  }
}
