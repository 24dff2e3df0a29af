import { mockCredentials } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { createTestContext, eventually } from '../__testUtils__/context';
import { startPlatformBackend } from '../__testUtils__/platformBackend';
import { createPlatformResourceRequestAction } from './request';
import { createPlatformResourceWaitAction } from './wait';

const ALICE = mockCredentials.user('user:default/alice');

const requestInput = {
  capabilityRef: 'memory:database',
  name: 'orders-db',
  environment: 'dev',
  owner: 'group:default/team-a',
  component: 'component:default/orders',
  spec: { size: 'medium' },
};

/** The real platform plugin with an in-memory engine that provisions at once. */
async function startPlatform() {
  const engine = new InMemoryEngine({
    autoReconcile: true,
    capabilities: [testCapability()],
  });
  return { ...(await startPlatformBackend([engine])), engine };
}

describe('platform actions against the platform backend', () => {
  let started: Awaited<ReturnType<typeof startPlatform>>;

  beforeEach(async () => {
    started = await startPlatform();
  });

  afterEach(async () => {
    await started.backend.stop();
  });

  it('requests a resource as the user and waits until it is Ready', async () => {
    const { engine, platform, scheduler } = started;
    // Hold the engine back, so the wait sees the resource before it is Ready.
    engine.setAvailable(false);

    const request = createTestContext({
      input: requestInput,
      credentials: ALICE,
    });
    await createPlatformResourceRequestAction(platform).handler(request.ctx);
    const id = request.outputs().id as string;
    expect(request.outputs()).toMatchObject({
      entityRef: 'resource:default/database-orders-db-dev',
      link: `/platform/resources/${id}`,
      phase: 'Pending',
      spec: { size: 'medium', replicas: 1 },
    });

    const wait = createTestContext({ input: { id }, credentials: ALICE });
    const waiting = createPlatformResourceWaitAction(platform).handler(
      wait.ctx,
    );
    await eventually(
      () => wait.logLines().includes('orders-db is Pending'),
      'the wait to read the resource',
    );
    engine.setAvailable(true);
    // The dispatcher retries the failed apply; run it until it has.
    for (let attempt = 0; engine.applied.length === 0; attempt++) {
      if (attempt === 400) throw new Error('The engine was never applied');
      await scheduler.triggerTask('platform-dispatch');
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    await waiting;

    expect(wait.logLines()).toEqual([
      'orders-db is Pending',
      'orders-db: Pending → Ready',
    ]);
    expect(wait.outputs().phase).toBe('Ready');
    const resource = await platform.getResource(id, { credentials: ALICE });
    expect(resource).toMatchObject({
      requestedBy: 'user:default/alice',
      owner: 'group:default/team-a',
      component: 'component:default/orders',
      status: { phase: 'Ready' },
    });
  });

  it('gets the same resource back when a retried task requests again', async () => {
    const { platform } = started;
    const first = createTestContext({
      input: requestInput,
      credentials: ALICE,
    });
    await createPlatformResourceRequestAction(platform).handler(first.ctx);
    // Same task and step, no checkpoint: the idempotency key finds it.
    const retry = createTestContext({
      input: requestInput,
      credentials: ALICE,
    });
    await createPlatformResourceRequestAction(platform).handler(retry.ctx);

    expect(retry.outputs().id).toBe(first.outputs().id);
    const page = await platform.listResources({}, { credentials: ALICE });
    expect(page.totalCount).toBe(1);
    // Let the platform finish applying it before the backend stops.
    const wait = createTestContext({
      input: { id: first.outputs().id as string },
      credentials: ALICE,
    });
    await createPlatformResourceWaitAction(platform).handler(wait.ctx);
    expect(wait.outputs().phase).toBe('Ready');
  });

  it('validates a dry run without creating anything', async () => {
    const { platform } = started;
    const dryRun = createTestContext({
      input: { ...requestInput, spec: {} },
      credentials: ALICE,
      isDryRun: true,
    });

    await createPlatformResourceRequestAction(platform).handler(dryRun.ctx);

    expect(dryRun.outputs()).toMatchObject({
      phase: 'Pending',
      spec: { size: 'small', replicas: 1 },
    });
    const page = await platform.listResources({}, { credentials: ALICE });
    expect(page.totalCount).toBe(0);
  });

  it('fails the dry run with the field the platform rejects', async () => {
    const { platform } = started;
    const dryRun = createTestContext({
      input: { ...requestInput, spec: { size: 'huge' } },
      credentials: ALICE,
      isDryRun: true,
    });

    await expect(
      createPlatformResourceRequestAction(platform).handler(dryRun.ctx),
    ).rejects.toThrow(/size/);
  });

  it('fails the wait with the engine’s message', async () => {
    const { engine, platform } = started;
    engine.failNextApply(new InputError('size medium needs a paid plan'));

    const request = createTestContext({
      input: requestInput,
      credentials: ALICE,
    });
    await createPlatformResourceRequestAction(platform).handler(request.ctx);
    const wait = createTestContext({
      input: { id: request.outputs().id as string },
      credentials: ALICE,
    });

    await expect(
      createPlatformResourceWaitAction(platform).handler(wait.ctx),
    ).rejects.toThrow('orders-db failed: size medium needs a paid plan');
  });
});
