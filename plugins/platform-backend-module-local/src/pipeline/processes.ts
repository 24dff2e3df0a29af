import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/** How long a step gets to exit after SIGTERM before it is killed. */
const TERMINATE_GRACE_MS = 3000;

export interface ProcessOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  onStart(pid: number): void;
  onOutput(text: string): void;
}

export type ProcessResult =
  | { kind: 'exited'; code: number }
  | { kind: 'signalled'; signal: string }
  | { kind: 'timedOut' }
  | { kind: 'cancelled' }
  | { kind: 'notStarted'; message: string };

/** Sends `signal` to every process of the group led by `pid`. */
export function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Runs one step as a local process, in its own process group so that
 * whatever it starts can be stopped with it. The argv array goes to the
 * operating system as is: no shell ever parses it.
 */
export function runProcess(options: ProcessOptions): Promise<ProcessResult> {
  return new Promise(resolvePromise => {
    if (options.signal.aborted) {
      resolvePromise({ kind: 'cancelled' });
      return;
    }
    const [command, ...args] = options.argv;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stopping: 'timedOut' | 'cancelled' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let exit:
      | { code: number | null; signal: NodeJS.Signals | null }
      | undefined;

    const stop = (reason: 'timedOut' | 'cancelled') => {
      if (stopping || exit || child.pid === undefined) {
        return;
      }
      stopping = reason;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(
        () => signalGroup(child.pid!, 'SIGKILL'),
        TERMINATE_GRACE_MS,
      );
    };
    const timeout = setTimeout(() => stop('timedOut'), options.timeoutMs);
    const onAbort = () => stop('cancelled');
    options.signal.addEventListener('abort', onAbort);

    for (const stream of [child.stdout, child.stderr]) {
      const decoder = new StringDecoder('utf8');
      stream.on('data', (chunk: Buffer) =>
        options.onOutput(decoder.write(chunk)),
      );
      stream.on('end', () => {
        const rest = decoder.end();
        if (rest) options.onOutput(rest);
      });
    }

    let settled = false;
    const finish = (result: ProcessResult) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      options.signal.removeEventListener('abort', onAbort);
      resolvePromise(result);
    };

    child.on('spawn', () => options.onStart(child.pid!));
    child.on('error', error => {
      if (child.pid === undefined) {
        finish({
          kind: 'notStarted',
          message: `cannot start ${JSON.stringify(command)} in ${
            options.cwd
          }: ${error.message}`,
        });
      }
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // A step is over when its main process is; like a container's end,
      // that also ends whatever it left running (and releases its pipes).
      signalGroup(child.pid!, 'SIGKILL');
    });
    child.on('close', () => {
      if (!exit) {
        return;
      }
      if (stopping) {
        finish({ kind: stopping });
      } else if (exit.signal) {
        finish({ kind: 'signalled', signal: exit.signal });
      } else {
        finish({ kind: 'exited', code: exit.code ?? 1 });
      }
    });
  });
}

/**
 * Kills the process group of a step that a crashed backend left running,
 * after checking on Linux (through /proc) that the process really is that
 * step and not an unrelated process that got the same pid. Returns whether
 * it killed something. Elsewhere the check is impossible and nothing is
 * killed.
 */
export async function killOrphanedStep(
  pid: number,
  runId: string,
): Promise<boolean> {
  let environ: string;
  try {
    environ = await readFile(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return false;
  }
  if (!environ.split('\0').includes(`TRELLIS_RUN_ID=${runId}`)) {
    return false;
  }
  signalGroup(pid, 'SIGKILL');
  return true;
}
