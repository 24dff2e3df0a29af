import { mockCredentials } from '@backstage/backend-test-utils';
import {
  createCheckpointStore,
  createTestContext,
} from '../__testUtils__/context';
import { FakePlatform } from '../__testUtils__/FakePlatform';
import { createPlatformResourceUpdateAction } from './update';

describe('platform:resource:update', () => {
  let platform: FakePlatform;
  let action: ReturnType<typeof createPlatformResourceUpdateAction>;

  beforeEach(() => {
    platform = new FakePlatform();
    action = createPlatformResourceUpdateAction(platform);
  });

  it('updates the current generation as the user who started the task', async () => {
    const { id } = platform.add({ name: 'orders-db', generation: 3 });
    const updateResource = jest.spyOn(platform, 'updateResource');
    const credentials = mockCredentials.user('user:default/alice');
    const { ctx, outputs } = createTestContext({
      input: { id, spec: { size: 'large' } },
      credentials,
    });

    await action.handler(ctx);

    expect(updateResource).toHaveBeenCalledWith(
      id,
      { spec: { size: 'large' }, generation: 3 },
      { credentials },
    );
    expect(outputs()).toEqual({
      id,
      generation: 4,
      phase: 'Updating',
      link: `/platform/resources/${id}`,
      approvalStatus: 'not-required',
    });
  });

  it('fails clearly when the resource moved past the given generation', async () => {
    const { id } = platform.add({ name: 'orders-db', generation: 3 });
    const { ctx } = createTestContext({
      input: { id, spec: { size: 'large' }, generation: 2 },
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Could not update orders-db based on generation 2: Resource orders-db is at generation 3, not 2: reload it and apply your change again',
    );
    expect(platform.resources.get(id)?.spec).toEqual({ size: 'small' });
  });

  it('updates once when the task is retried', async () => {
    const { id } = platform.add({ name: 'orders-db' });
    const updateResource = jest.spyOn(platform, 'updateResource');
    const { checkpoint } = createCheckpointStore();
    const input = { id, spec: { size: 'large' } };

    await action.handler(createTestContext({ input, checkpoint }).ctx);
    const retry = createTestContext({ input, checkpoint });
    await action.handler(retry.ctx);

    expect(updateResource).toHaveBeenCalledTimes(1);
    expect(retry.outputs().generation).toBe(2);
  });

  it('leaves a resource that already has the spec alone', async () => {
    const { id } = platform.add({
      name: 'orders-db',
      spec: { size: 'large' },
      generation: 2,
    });
    const updateResource = jest.spyOn(platform, 'updateResource');
    const { ctx, outputs } = createTestContext({
      input: { id, spec: { size: 'large' } },
    });

    await action.handler(ctx);

    expect(updateResource).not.toHaveBeenCalled();
    expect(outputs().generation).toBe(2);
  });

  it('changes nothing when the task was cancelled', async () => {
    const { id } = platform.add({ name: 'orders-db' });
    const updateResource = jest.spyOn(platform, 'updateResource');
    const controller = new AbortController();
    controller.abort();
    const { ctx } = createTestContext({
      input: { id, spec: { size: 'large' } },
      signal: controller.signal,
    });

    await expect(action.handler(ctx)).rejects.toThrow('cancelled');
    expect(updateResource).not.toHaveBeenCalled();
  });

  it('succeeds with the change request when the update needs approval, and changes nothing', async () => {
    const { id } = platform.add({
      name: 'orders-db',
      environment: 'production',
      generation: 3,
    });
    platform.needsApproval = (_operation, resource) =>
      resource.environment === 'production' ? ['policy'] : undefined;
    const { ctx, outputs, logLines } = createTestContext({
      input: { id, spec: { size: 'large' } },
    });

    await action.handler(ctx);

    expect(outputs()).toEqual({
      id,
      generation: 3,
      phase: 'Pending',
      link: '/platform/approvals/42',
      approvalStatus: 'needs-approval',
      changeRequestId: '42',
    });
    expect(logLines()).toEqual([
      'Needs approval: change request 42 (update of orders-db in production; why: policy). Nothing changed yet. An approver reviews it at /platform/approvals/42',
    ]);
    expect(platform.resources.get(id)?.spec).toEqual({ size: 'small' });

    // A retry that lost its checkpoint finds the same change request.
    const retry = createTestContext({ input: { id, spec: { size: 'large' } } });
    await action.handler(retry.ctx);
    expect(retry.outputs().changeRequestId).toBe('42');
    expect(platform.changeRequests.size).toBe(1);
  });
});
