import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { CheckpointContext } from '@backstage/plugin-scaffolder-node/alpha';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { JsonObject, JsonValue } from '@backstage/types';

/**
 * Checkpoints that outlive one run of an action, like the scaffolder's task
 * state does across retries of a task: values are stored as JSON, and a key
 * that succeeded before returns its stored value without running again.
 */
export function createCheckpointStore() {
  const saved = new Map<string, JsonValue>();
  async function checkpoint<T extends JsonValue | void>({
    key,
    fn,
  }: CheckpointContext<T>): Promise<T> {
    if (saved.has(key)) {
      return saved.get(key) as T;
    }
    const value = await fn();
    saved.set(key, JSON.parse(JSON.stringify(value ?? {})));
    return value;
  }
  return { saved, checkpoint };
}

/**
 * A mock action context with the parts `createMockActionContext` does not
 * let us set: checkpoints, dry-run, the cancel signal, the step and the
 * initiator's credentials. Its logger records calls for assertions.
 */
export function createTestContext<TInput extends JsonObject>(options: {
  input: TInput;
  checkpoint?: ActionContext<TInput>['checkpoint'];
  isDryRun?: boolean;
  signal?: AbortSignal;
  credentials?: BackstageCredentials;
  task?: { id: string };
  step?: { id?: string; name?: string };
  each?: JsonObject;
}) {
  const logger = mockServices.logger.mock();
  const base = createMockActionContext<TInput>({
    input: options.input,
    logger,
    ...(options.task && { task: options.task }),
  });
  const ctx: ActionContext<TInput, any> = {
    ...base,
    ...(options.checkpoint && { checkpoint: options.checkpoint }),
    ...(options.credentials && {
      getInitiatorCredentials: async () => options.credentials!,
    }),
    ...(options.step && { step: options.step }),
    each: options.each,
    isDryRun: options.isDryRun,
    signal: options.signal,
  };
  return {
    ctx,
    logger,
    /** The lines written to the task log, in order. */
    logLines: () => logger.info.mock.calls.map(([message]) => message),
    /** What the action passed to `ctx.output`, by name. */
    outputs: () =>
      Object.fromEntries((ctx.output as jest.Mock).mock.calls) as Record<
        string,
        unknown
      >,
  };
}

/** Polls until `check` holds (bounded; asserts no timing). */
export async function eventually(
  check: () => boolean,
  what: string,
): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (check()) return;
    await new Promise(resolve => setTimeout(resolve, 10));
  }
  throw new Error(`Gave up waiting for ${what}`);
}
