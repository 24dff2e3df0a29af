import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '../../bin/trellis');

/** A home of its own, so that no backstage-cli login of the machine leaks in. */
const HOME = mkdtempSync(join(tmpdir(), 'trellis-cli-home-'));

/**
 * The environment a user's shell would give the command: PATH and a home,
 * plus what the test sets. Nothing of the test process's own (no stray
 * TRELLIS_TOKEN).
 */
export function cliEnv(extra: Record<string, string | undefined> = {}) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME,
    XDG_CONFIG_HOME: join(HOME, '.config'),
    XDG_DATA_HOME: join(HOME, '.local', 'share'),
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** Backstage's own CLI, as this repository installs it. */
export const BACKSTAGE_CLI = require
  .resolve('@backstage/cli/package.json')
  .replace(/package\.json$/, 'bin/backstage-cli');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `trellis <args>` as a user would, to its end. */
export function runCli(
  args: string[],
  options: {
    env?: Record<string, string>;
    stdin?: string;
    cwd?: string;
    /** Another command than trellis, e.g. {@link BACKSTAGE_CLI}. */
    bin?: string;
  } = {},
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      env: options.env ?? cliEnv(),
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', fail);
    child.on('close', code => done({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** A long-running `trellis` (watch, wait) whose output the test reads as it comes. */
export interface RunningCli {
  child: ChildProcess;
  /** Every stdout line so far, with the time it arrived. */
  lines: Array<{ text: string; at: number }>;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves with the first line (from `from` on) that matches, or rejects after `timeoutMs`. */
  nextLine(
    match: RegExp,
    timeoutMs: number,
    from?: number,
  ): Promise<{ text: string; at: number }>;
  stop(): void;
}

export function startCli(
  args: string[],
  options: { env?: Record<string, string>; bin?: string } = {},
): RunningCli {
  const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
    env: options.env ?? cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<{ text: string; at: number }> = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  child.stdout!.on('data', chunk => {
    buffer += chunk;
    for (
      let newline = buffer.indexOf('\n');
      newline >= 0;
      newline = buffer.indexOf('\n')
    ) {
      lines.push({ text: buffer.slice(0, newline), at: Date.now() });
      buffer = buffer.slice(newline + 1);
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', chunk => (stderr += chunk));
  const exited = new Promise<number | null>(done =>
    child.on('close', code => {
      for (const wake of waiters) wake();
      done(code);
    }),
  );
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    nextLine(match, timeoutMs, from = 0) {
      return new Promise((done, fail) => {
        const pending: { timer?: ReturnType<typeof setTimeout> } = {};
        let check: () => void = () => {};
        const cleanup = () => {
          clearTimeout(pending.timer);
          waiters.delete(check);
        };
        const transcript = () =>
          `stdout:\n${lines.map(l => l.text).join('\n')}\nstderr:\n${stderr}`;
        check = () => {
          const found = lines.slice(from).find(line => match.test(line.text));
          if (found) {
            cleanup();
            done(found);
          } else if (child.exitCode !== null) {
            cleanup();
            fail(
              new Error(
                `trellis exited (${
                  child.exitCode
                }) without a line matching ${match}; ${transcript()}`,
              ),
            );
          }
        };
        pending.timer = setTimeout(() => {
          cleanup();
          fail(
            new Error(
              `No line matching ${match} within ${timeoutMs} ms; ${transcript()}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

/**
 * Runs `trellis <args>` on a pseudo-terminal (util-linux `script`), typing
 * `input`, as a person at a terminal would: for the questions `trellis` asks
 * only there.
 */
export function runCliOnTerminal(
  args: string[],
  options: { env: Record<string, string>; input: string },
): Promise<CliRun> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((done, fail) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let answered = false;
    child.stdout.on('data', d => {
      stdout += d;
      // Answer once the question is on the screen.
      if (!answered && /\[y\/N\]/.test(stdout)) {
        answered = true;
        child.stdin.write(options.input);
      }
    });
    child.stderr.on('data', d => (stderr += d));
    child.on('error', fail);
    child.on('close', code => done({ code, stdout, stderr }));
  });
}
