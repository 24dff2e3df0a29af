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
    expect(outputs()).toEqual({
      phase: 'Deleting',
      approvalStatus: 'not-required',
    });
  });

  it('deletes once when the task is retried', async () => {
    const { id } = platform.add({ name: 'orders-db' });
    const deleteResource = jest.spyOn(platform, 'deleteResource');
    const { checkpoint } = createCheckpointStore();

    await action.handler(createTestContext({ input: { id }, checkpoint }).ctx);
    const retry = createTestContext({ input: { id }, checkpoint });
    await action.handler(retry.ctx);

    expect(deleteResource).toHaveBeenCalledTimes(1);
    expect(retry.outputs()).toEqual({
      phase: 'Deleting',
      approvalStatus: 'not-required',
    });
  });

  it('succeeds when a retry finds the resource already deleted', async () => {
    const { id } = platform.add({
      name: 'orders-db',
      status: { phase: 'Deleted', conditions: [] },
    });
    const { ctx, outputs } = createTestContext({ input: { id } });

    await action.handler(ctx);

    expect(outputs()).toEqual({
      phase: 'Deleted',
      approvalStatus: 'not-required',
    });
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

  it('succeeds with the change request when the delete needs approval, and deletes nothing', async () => {
    const { id } = platform.add({
      name: 'orders-db',
      environment: 'production',
    });
    platform.needsApproval = (_operation, resource) =>
      resource.environment === 'production' ? ['policy'] : undefined;
    action = createPlatformResourceDeleteAction(platform, {
      portalUrl: 'https://portal.example.com',
    });
    const { checkpoint } = createCheckpointStore();
    const { ctx, outputs, logLines } = createTestContext({
      input: { id },
      checkpoint,
    });

    await action.handler(ctx);

    expect(outputs()).toEqual({
      phase: 'Pending',
      approvalStatus: 'needs-approval',
      changeRequestId: '42',
      link: '/platform/approvals/42',
    });
    expect(logLines()).toEqual([
      'Needs approval: change request 42 (delete of orders-db in production; why: policy). Nothing changed yet. An approver reviews it at https://portal.example.com/platform/approvals/42',
    ]);
    expect(platform.resources.get(id)?.status.phase).toBe('Pending');

    // A retry that lost its checkpoint finds the same change request.
    const retry = createTestContext({ input: { id } });
    await action.handler(retry.ctx);
    expect(retry.outputs().changeRequestId).toBe('42');
    expect(platform.changeRequests.size).toBe(1);
  });
});
