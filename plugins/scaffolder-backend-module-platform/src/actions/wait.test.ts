import { mockCredentials } from '@backstage/backend-test-utils';
import { createTestContext, eventually } from '../__testUtils__/context';
import { FakePlatform } from '../__testUtils__/FakePlatform';
import { createPlatformResourceWaitAction } from './wait';

describe('platform:resource:wait', () => {
  let platform: FakePlatform;
  let action: ReturnType<typeof createPlatformResourceWaitAction>;

  beforeEach(() => {
    platform = new FakePlatform();
    action = createPlatformResourceWaitAction(platform);
  });

  it('logs each phase change until the resource is Ready', async () => {
    const { id } = platform.add({ name: 'orders-db' });
    const { ctx, logLines, outputs } = createTestContext({ input: { id } });

    const waiting = action.handler(ctx);
    await eventually(() => logLines().length === 1, 'the first read');
    platform.setPhase(id, 'Provisioning', {
      message: 'Creating the database',
    });
    await eventually(() => logLines().length === 2, 'the second phase');
    platform.setPhase(id, 'Ready', {
      outputs: { host: 'orders-db.dev.internal', port: 5432 },
    });
    await waiting;

    expect(logLines()).toEqual([
      'orders-db is Pending',
      'orders-db: Pending → Provisioning (Creating the database)',
      'orders-db: Provisioning → Ready',
    ]);
    expect(outputs()).toEqual({
      phase: 'Ready',
      outputs: { host: 'orders-db.dev.internal', port: 5432 },
    });
    expect(platform.subscriberCount).toBe(0);
  });

  it('reads with the credentials of the user who started the task', async () => {
    const { id } = platform.add({
      name: 'orders-db',
      status: { phase: 'Ready', conditions: [] },
    });
    const getResource = jest.spyOn(platform, 'getResource');
    const credentials = mockCredentials.user('user:default/alice');
    const { ctx } = createTestContext({ input: { id }, credentials });

    await action.handler(ctx);

    expect(getResource).toHaveBeenCalledWith(id, { credentials });
  });

  it('fails the task with the engine’s message when the resource fails', async () => {
    const { id } = platform.add({ name: 'orders-db' });
    const { ctx, logLines } = createTestContext({ input: { id } });

    const waiting = action.handler(ctx);
    await eventually(() => logLines().length === 1, 'the first read');
    platform.setPhase(id, 'Failed', {
      message: 'quota exceeded: 0 of 2 vCPU left in project dev',
    });

    await expect(waiting).rejects.toThrow(
      'orders-db failed: quota exceeded: 0 of 2 vCPU left in project dev',
    );
    expect(logLines()).toContain(
      'orders-db: Pending → Failed (quota exceeded: 0 of 2 vCPU left in project dev)',
    );
    expect(platform.subscriberCount).toBe(0);
  });

  it('fails with the last phase when the timeout passes', async () => {
    const { id } = platform.add({
      name: 'orders-db',
      status: { phase: 'Provisioning', conditions: [] },
    });
    const { ctx } = createTestContext({
      input: { id, timeoutSeconds: 0.05 },
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Timed out after 0.05 seconds waiting for orders-db to become Ready; it is Provisioning',
    );
    expect(platform.subscriberCount).toBe(0);
  });

  it('stops waiting when the task is cancelled', async () => {
    const { id } = platform.add({ name: 'orders-db' });
    const controller = new AbortController();
    const { ctx, logLines } = createTestContext({
      input: { id },
      signal: controller.signal,
    });

    const waiting = action.handler(ctx);
    await eventually(() => logLines().length === 1, 'the first read');
    controller.abort();

    await expect(waiting).rejects.toThrow(
      'The task was cancelled while waiting for orders-db to become Ready; it is Pending',
    );
    expect(platform.subscriberCount).toBe(0);
  });

  it('notices a change it was not told about', async () => {
    platform.announceChanges = false;
    const { id } = platform.add({ name: 'orders-db' });
    const polling = createPlatformResourceWaitAction(platform, {
      pollIntervalMs: 10,
    });
    const { ctx, logLines } = createTestContext({ input: { id } });

    const waiting = polling.handler(ctx);
    await eventually(() => logLines().length === 1, 'the first read');
    platform.setPhase(id, 'Ready');
    await waiting;

    expect(logLines()).toEqual([
      'orders-db is Pending',
      'orders-db: Pending → Ready',
    ]);
  });

  it('waits for the phases the template names', async () => {
    const { id } = platform.add({
      name: 'orders-db',
      status: { phase: 'Deleting', conditions: [] },
    });
    const { ctx, logLines, outputs } = createTestContext({
      input: { id, phases: ['Deleted' as const] },
    });

    const waiting = action.handler(ctx);
    await eventually(() => logLines().length === 1, 'the first read');
    platform.setPhase(id, 'Deleted');
    await waiting;

    expect(outputs().phase).toBe('Deleted');
  });

  it('fails when the resource is deleted while waiting for Ready', async () => {
    const { id } = platform.add({
      name: 'orders-db',
      status: { phase: 'Deleted', conditions: [] },
    });
    const { ctx } = createTestContext({ input: { id } });

    await expect(action.handler(ctx)).rejects.toThrow(
      'orders-db was deleted before it became Ready',
    );
  });

  it('fails when the resource does not exist or may not be read', async () => {
    const { ctx } = createTestContext({ input: { id: 'missing' } });

    await expect(action.handler(ctx)).rejects.toThrow('No resource missing');
    expect(platform.subscriberCount).toBe(0);
  });

  it('answers a dry run without reading', async () => {
    // The resource of a dry-run request does not exist.
    const getResource = jest.spyOn(platform, 'getResource');
    const { ctx, outputs } = createTestContext({
      input: { id: 'draft' },
      isDryRun: true,
    });

    await action.handler(ctx);

    expect(getResource).not.toHaveBeenCalled();
    expect(outputs()).toEqual({ phase: 'Ready', outputs: {} });
  });
});
