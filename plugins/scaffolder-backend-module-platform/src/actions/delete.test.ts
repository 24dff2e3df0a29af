import { mockCredentials } from '@backstage/backend-test-utils';
import {
  createCheckpointStore,
  createTestContext,
} from '../__testUtils__/context';
import { FakePlatform } from '../__testUtils__/FakePlatform';
import { createPlatformResourceDeleteAction } from './delete';

describe('platform:resource:delete', () => {
  let platform: FakePlatform;
  let action: ReturnType<typeof createPlatformResourceDeleteAction>;

  beforeEach(() => {
    platform = new FakePlatform();
    action = createPlatformResourceDeleteAction(platform);
  });

  it('deletes the resource as the user who started the task', async () => {
    const { id } = platform.add({ name: 'orders-db' });
    const deleteResource = jest.spyOn(platform, 'deleteResource');
    const credentials = mockCredentials.user('user:default/alice');
    const { ctx, outputs } = createTestContext({ input: { id }, credentials });

    await action.handler(ctx);

    expect(deleteResource).toHaveBeenCalledWith(id, { credentials });
    expect(outputs()).toEqual({ phase: 'Deleting' });
  });

  it('deletes once when the task is retried', async () => {
    const { id } = platform.add({ name: 'orders-db' });
    const deleteResource = jest.spyOn(platform, 'deleteResource');
    const { checkpoint } = createCheckpointStore();

    await action.handler(createTestContext({ input: { id }, checkpoint }).ctx);
    const retry = createTestContext({ input: { id }, checkpoint });
    await action.handler(retry.ctx);

    expect(deleteResource).toHaveBeenCalledTimes(1);
    expect(retry.outputs()).toEqual({ phase: 'Deleting' });
  });

  it('succeeds when a retry finds the resource already deleted', async () => {
    const { id } = platform.add({
      name: 'orders-db',
      status: { phase: 'Deleted', conditions: [] },
    });
    const { ctx, outputs } = createTestContext({ input: { id } });

    await action.handler(ctx);

    expect(outputs()).toEqual({ phase: 'Deleted' });
  });

  it('fails for a resource that does not exist', async () => {
    const { ctx } = createTestContext({ input: { id: 'missing' } });

    await expect(action.handler(ctx)).rejects.toThrow('No resource missing');
  });

  it('deletes nothing when the task was cancelled', async () => {
    const { id } = platform.add({ name: 'orders-db' });
    const controller = new AbortController();
    controller.abort();
    const { ctx } = createTestContext({
      input: { id },
      signal: controller.signal,
    });

    await expect(action.handler(ctx)).rejects.toThrow('cancelled');
    expect(platform.resources.get(id)?.status.phase).toBe('Pending');
  });
});
