import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  PlatformResource,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';

export interface WaitForResourceOptions {
  platform: PlatformService;
  credentials: BackstageCredentials;
  id: string;
  /** Phases that end the wait successfully. */
  phases: ResourcePhase[];
  timeoutSeconds: number;
  /** Longest time between two reads when no change notification arrives. */
  pollIntervalMs: number;
  logger: LoggerService;
  signal?: AbortSignal;
}

/**
 * Waits until a resource reaches one of `phases` and returns it. Fails with
 * the engine's message when the resource fails, when it is deleted (unless
 * that is what we wait for), on timeout, and when `signal` aborts.
 *
 * Change notifications only tell us *when* to look: every decision is made on
 * a fresh read with the caller's credentials. Reads also happen every
 * `pollIntervalMs`, so a missed notification delays the wait, never hangs it.
 */
export async function waitForResource(
  options: WaitForResourceOptions,
): Promise<PlatformResource> {
  const { platform, credentials, id, phases, logger, signal } = options;
  const deadline = Date.now() + options.timeoutSeconds * 1000;

  // Set when something happened since the last read; `wake` ends a sleep early.
  let changed = false;
  let wake: (() => void) | undefined;
  const onChange = () => {
    changed = true;
    wake?.();
  };
  const unsubscribe = platform.subscribe(s => {
    if (s.resourceId === id) onChange();
  });
  signal?.addEventListener('abort', onChange);

  const sleep = (ms: number) =>
    new Promise<void>(resolve => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  let last: PlatformResource | undefined;
  try {
    for (;;) {
      if (signal?.aborted) {
        throw new Error(
          `The task was cancelled while waiting for ${describeWait(
            id,
            last,
            phases,
          )}`,
        );
      }
      changed = false;
      const resource = await platform.getResource(id, { credentials });
      logPhase(logger, last, resource);
      logPending(logger, last, resource);
      last = resource;

      const { phase, message } = resource.status;
      if (phases.includes(phase)) {
        return resource;
      }
      if (phase === 'Failed') {
        throw new Error(
          `${resource.name} failed: ${
            message || 'the engine reported no reason'
          }`,
        );
      }
      if (phase === 'Deleted') {
        throw new Error(
          `${resource.name} was deleted before it became ${phases.join(
            ' or ',
          )}`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `Timed out after ${
            options.timeoutSeconds
          } seconds waiting for ${describeWait(id, resource, phases)}`,
        );
      }
      if (!changed) {
        await sleep(Math.min(options.pollIntervalMs, remaining));
      }
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', onChange);
  }
}

function logPhase(
  logger: LoggerService,
  previous: PlatformResource | undefined,
  current: PlatformResource,
) {
  const { phase, message } = current.status;
  const detail = message ? ` (${message})` : '';
  if (!previous) {
    logger.info(`${current.name} is ${phase}${detail}`);
  } else if (previous.status.phase !== phase) {
    logger.info(
      `${current.name}: ${previous.status.phase} → ${phase}${detail}`,
    );
  }
}

/** Says when the change is stuck on its way to the engine, once per state. */
function logPending(
  logger: LoggerService,
  previous: PlatformResource | undefined,
  current: PlatformResource,
) {
  const pending = current.pending;
  if (!pending || pending.state === previous?.pending?.state) return;
  if (pending.state === 'awaiting-credentials') {
    logger.warn(
      `${current.name} waits for credentials: ${
        pending.message ?? 'the engine acts with the user’s own identity'
      } Open the resource in the portal and choose “Retry with my credentials”; this step keeps waiting.`,
    );
  } else if (pending.state === 'retrying') {
    logger.warn(
      `${current.name}: the engine could not be reached (${
        pending.message ?? 'no reason given'
      }); retrying`,
    );
  }
}

function describeWait(
  id: string,
  resource: PlatformResource | undefined,
  phases: ResourcePhase[],
): string {
  const target = phases.join(' or ');
  if (!resource) {
    return `resource ${id} to become ${target}`;
  }
  return `${resource.name} to become ${target}; it is ${resource.status.phase}`;
}
