import { mockCredentials } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import {
  createCheckpointStore,
  createTestContext,
} from '../__testUtils__/context';
import { FakePlatform } from '../__testUtils__/FakePlatform';
import { createPlatformResourceRequestAction } from './request';

const input = {
  capabilityRef: 'local:postgresql',
  name: 'orders-db',
  environment: 'dev',
  owner: 'group:default/team-a',
  component: 'component:default/orders',
  spec: { size: 'large' },
};

describe('platform:resource:request', () => {
  let platform: FakePlatform;
  let action: ReturnType<typeof createPlatformResourceRequestAction>;

  beforeEach(() => {
    platform = new FakePlatform();
    action = createPlatformResourceRequestAction(platform);
  });

  it('requests the resource as the user who started the task', async () => {
    const credentials = mockCredentials.user('user:default/alice');
    const createResource = jest.spyOn(platform, 'createResource');
    const { ctx, outputs } = createTestContext({ input, credentials });

    await action.handler(ctx);

    expect(createResource).toHaveBeenCalledWith(
      {
        capabilityRef: 'local:postgresql',
        name: 'orders-db',
        environment: 'dev',
        owner: 'group:default/team-a',
        component: 'component:default/orders',
        spec: { size: 'large' },
      },
      {
        credentials,
        idempotencyKey: 'scaffolder:mock-task-id:mock-step-id',
      },
    );
    const [resource] = platform.resources.values();
    expect(resource.requestedBy).toBe('user:default/alice');
    expect(outputs()).toEqual({
      id: resource.id,
      entityRef: 'resource:default/postgresql-orders-db-dev',
      link: `/platform/resources/${resource.id}`,
      phase: 'Pending',
      spec: { size: 'large' },
      approvalStatus: 'not-required',
    });
  });

  it('answers a dry run with the validated request without creating it', async () => {
    const createResource = jest.spyOn(platform, 'createResource');
    const { saved, checkpoint } = createCheckpointStore();
    const { ctx, outputs, logLines } = createTestContext({
      input: { ...input, spec: undefined },
      isDryRun: true,
      checkpoint,
    });

    await action.handler(ctx);

    expect(createResource).toHaveBeenCalledTimes(1);
    expect(createResource.mock.calls[0][1]).toMatchObject({ dryRun: true });
    expect(platform.resources.size).toBe(0);
    expect(saved.size).toBe(0);
    expect(outputs()).toMatchObject({
      entityRef: 'resource:default/postgresql-orders-db-dev',
      phase: 'Pending',
      // The capability's default, as the platform would apply it.
      spec: { size: 'small' },
    });
    expect(logLines()).toEqual([
      'Dry run: would request orders-db (local:postgresql, dev) with spec {"size":"small"}',
    ]);
  });

  it('requests once when the task is retried', async () => {
    const createResource = jest.spyOn(platform, 'createResource');
    const { checkpoint } = createCheckpointStore();

    const first = createTestContext({ input, checkpoint });
    await action.handler(first.ctx);
    const retry = createTestContext({ input, checkpoint });
    await action.handler(retry.ctx);

    expect(createResource).toHaveBeenCalledTimes(1);
    expect(platform.resources.size).toBe(1);
    expect(retry.outputs()).toEqual(first.outputs());
  });

  it('gets the first resource back when a retry lost its checkpoint', async () => {
    // The first attempt crashed after requesting, before its checkpoint was
    // saved: the derived idempotency key still finds the first resource.
    const first = createTestContext({ input });
    await action.handler(first.ctx);
    const retry = createTestContext({ input });
    await action.handler(retry.ctx);

    expect(platform.resources.size).toBe(1);
    expect(retry.outputs().id).toBe(first.outputs().id);
    expect(retry.logLines()).toEqual([
      `orders-db (local:postgresql, dev) was already requested with this idempotency key: ${
        first.outputs().id
      }`,
    ]);
  });

  it('requests one resource per iteration of a step with each', async () => {
    const { checkpoint } = createCheckpointStore();
    for (const environment of ['dev', 'staging']) {
      const { ctx } = createTestContext({
        input: { ...input, environment },
        checkpoint,
        each: { key: environment, value: environment },
      });
      await action.handler(ctx);
    }

    expect(
      [...platform.resources.values()].map(r => r.environment).sort(),
    ).toEqual(['dev', 'staging']);
  });

  it('uses the idempotency key the template sets', async () => {
    const createResource = jest.spyOn(platform, 'createResource');
    const { ctx } = createTestContext({
      input: { ...input, idempotencyKey: 'orders-db-dev' },
    });

    await action.handler(ctx);

    expect(createResource.mock.calls[0][1]).toMatchObject({
      idempotencyKey: 'orders-db-dev',
    });
  });

  it('fails with the platform’s validation error', async () => {
    jest
      .spyOn(platform, 'createResource')
      .mockRejectedValue(
        new InputError('spec.size: must be equal to one of the allowed values'),
      );
    const { ctx } = createTestContext({ input });

    await expect(action.handler(ctx)).rejects.toThrow(
      'spec.size: must be equal to one of the allowed values',
    );
  });

  it('requests nothing when the task was cancelled', async () => {
    const createResource = jest.spyOn(platform, 'createResource');
    const controller = new AbortController();
    controller.abort();
    const { ctx } = createTestContext({ input, signal: controller.signal });

    await expect(action.handler(ctx)).rejects.toThrow(
      'The task was cancelled before requesting orders-db',
    );
    expect(createResource).not.toHaveBeenCalled();
  });

  describe('when the request needs approval', () => {
    beforeEach(() => {
      platform.needsApproval = operation =>
        operation === 'create' ? ['capability'] : undefined;
      action = createPlatformResourceRequestAction(platform, {
        portalUrl: 'https://portal.example.com',
      });
    });

    it('succeeds with the change request, its link, and no resource', async () => {
      const { ctx, outputs, logLines } = createTestContext({ input });

      await action.handler(ctx);

      expect(platform.resources.size).toBe(0);
      expect(outputs()).toEqual({
        approvalStatus: 'needs-approval',
        changeRequestId: '42',
        link: '/platform/approvals/42',
        spec: { size: 'large' },
      });
      expect(logLines()).toEqual([
        'Needs approval: change request 42 (create of orders-db in dev; why: capability). Nothing changed yet. An approver reviews it at https://portal.example.com/platform/approvals/42',
      ]);
    });

    it('gets the same change request back on a retry, not a second one', async () => {
      const { checkpoint } = createCheckpointStore();
      const first = createTestContext({ input, checkpoint });
      await action.handler(first.ctx);
      const retry = createTestContext({ input, checkpoint });
      await action.handler(retry.ctx);
      // Lost checkpoint: the idempotency key finds it.
      const lost = createTestContext({ input });
      await action.handler(lost.ctx);

      expect(platform.changeRequests.size).toBe(1);
      expect(retry.outputs()).toEqual(first.outputs());
      expect(lost.outputs().changeRequestId).toBe('42');
    });

    it('says in a dry run that the request would need approval', async () => {
      const { ctx, logLines } = createTestContext({ input, isDryRun: true });

      await action.handler(ctx);

      expect(platform.changeRequests.size).toBe(0);
      expect(logLines()).toEqual([
        'Dry run: would request orders-db (local:postgresql, dev) with spec {"size":"large"}; it would need approval (capability)',
      ]);
    });
  });
});
