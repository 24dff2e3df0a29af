import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { JsonObject } from '@backstage/types';
import { createHash } from 'node:crypto';

type InvocationContext = Pick<
  ActionContext<JsonObject, JsonObject>,
  'task' | 'step' | 'each'
>;

/** The platform API accepts idempotency keys of 1 to 200 characters. */
const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/**
 * Identifies one invocation of an action: its step and, in a step with
 * `each`, the iteration. It is the same when the scaffolder retries the task,
 * which is what lets a retry find the work of the earlier attempt.
 */
function invocationParts(ctx: InvocationContext): string[] {
  const parts = [ctx.step?.id ?? 'step'];
  if (ctx.each && ctx.each.key !== undefined && ctx.each.key !== null) {
    parts.push(String(ctx.each.key));
  }
  return parts;
}

/**
 * The `ctx.checkpoint` key of a side effect. The scaffolder keeps checkpoints
 * per task, so the step, the iteration and the operation's own discriminator
 * (such as the resource id) make it unique per invocation.
 */
export function checkpointKey(
  ctx: InvocationContext,
  operation: string,
  ...discriminators: string[]
): string {
  return [operation, ...invocationParts(ctx), ...discriminators].join('.');
}

/**
 * The idempotency key a request sends when the template sets none. It is
 * derived from the task and step, so a retried task that lost its checkpoint
 * (a crash between the request and the checkpoint being saved) gets the
 * earlier resource back instead of a second one.
 */
export function defaultIdempotencyKey(ctx: InvocationContext): string {
  const key = ['scaffolder', ctx.task.id, ...invocationParts(ctx)].join(':');
  if (key.length <= MAX_IDEMPOTENCY_KEY_LENGTH) {
    return key;
  }
  return `scaffolder:${createHash('sha256').update(key).digest('hex')}`;
}

/** Fails fast when the task was cancelled, before starting a side effect. */
export function throwIfCancelled(
  signal: AbortSignal | undefined,
  what: string,
): void {
  if (signal?.aborted) {
    throw new Error(`The task was cancelled before ${what}`);
  }
}

/** The task secret the `PlatformEngineCredentials` form field fills. */
export const ENGINE_TOKEN_SECRET = 'platformEngineToken';

/**
 * The user's token for engines that act with the user's identity: the
 * action's `engineToken` input, else the task secret the
 * `PlatformEngineCredentials` field sets. The platform ignores it for other
 * engines.
 */
export function engineTokenOf(ctx: {
  input: { engineToken?: string };
  secrets?: Record<string, string>;
}): string | undefined {
  return (
    ctx.input.engineToken || ctx.secrets?.[ENGINE_TOKEN_SECRET] || undefined
  );
}

/** The schema of the `engineToken` input, shared by the changing actions. */
export const engineTokenInputDescription =
  'Your ID token for engines that make changes with your own identity (capabilities with `userAuth`), e.g. `${{ secrets.platformEngineToken }}`. Defaults to the task secret `platformEngineToken`, which the `PlatformEngineCredentials` form field sets; ignored for other engines';
