import { ResponseError } from '@backstage/errors';
import {
  PlatformResource,
  resourceSignalChannel,
} from '@trellis/backstage-plugin-platform-common';
import { CliContext } from './context';
import { CliError, EXIT } from './exitCodes';
import { openLiveChannel } from './live';

/** How long the live channel may take to open before the command gives up. */
const READY_TIMEOUT_MS = 15_000;

/** What a resource follower hands out: the resource as read, or that it is gone. */
export type FollowUpdate =
  | { kind: 'resource'; resource: PlatformResource }
  | { kind: 'gone' };

export interface Follower {
  /** Resolves when `stop` is called, rejects when the follow fails. */
  done: Promise<void>;
  stop(): void;
}

/**
 * Follows a signal channel: subscribes first, then calls `read`, and calls it
 * again on every push (one read at a time; pushes during a read make exactly
 * one more) and after a reconnect. Nothing polls.
 */
export function followChannel(
  ctx: CliContext,
  channel: string,
  read: () => Promise<void>,
  onNotice: (message: string) => void,
): Follower {
  let stopped = false;
  let reading = false;
  let again = false;
  let fail: (error: unknown) => void = () => {};
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });

  const readNow = async () => {
    if (stopped) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        await read();
      } while (again && !stopped);
    } catch (error) {
      fail(error);
      stop();
    } finally {
      reading = false;
    }
  };

  const live = openLiveChannel({
    baseUrl: ctx.baseUrl,
    token: ctx.token,
    channels: [channel],
    onSignal: () => void readNow(),
    onReconnect: () => void readNow(),
    onNotice,
  });

  function stop() {
    if (stopped) return;
    stopped = true;
    live.close();
    finish();
  }

  const readyTimer = setTimeout(() => {
    fail(
      new CliError(
        `Cannot open the live channel at ${ctx.baseUrl}/api/signals within ${
          READY_TIMEOUT_MS / 1000
        } s (is the signals backend installed and the token valid?)`,
        EXIT.error,
      ),
    );
    stop();
  }, READY_TIMEOUT_MS);
  live.ready.then(() => {
    clearTimeout(readyTimer);
    return readNow();
  });
  done.finally(() => clearTimeout(readyTimer)).catch(() => {});
  return { done, stop };
}

/** Follows one resource live on its channel, `platform:resource:<id>`. */
export function followResource(
  ctx: CliContext,
  resourceId: string,
  handlers: {
    onUpdate(update: FollowUpdate): void;
    onNotice(message: string): void;
  },
): Follower {
  let stopped = false;
  const follower = followChannel(
    ctx,
    resourceSignalChannel(resourceId),
    async () => {
      try {
        const resource = await ctx.client.getResource(resourceId, ctx.call());
        if (!stopped) handlers.onUpdate({ kind: 'resource', resource });
      } catch (error) {
        if (
          !(error instanceof ResponseError && error.response.status === 404)
        ) {
          throw error;
        }
        if (!stopped) handlers.onUpdate({ kind: 'gone' });
      }
    },
    handlers.onNotice,
  );
  return {
    done: follower.done,
    stop() {
      stopped = true;
      follower.stop();
    },
  };
}
