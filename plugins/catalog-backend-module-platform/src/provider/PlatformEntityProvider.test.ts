import { SchedulerServiceTaskInvocationDefinition } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { ServiceUnavailableError } from '@backstage/errors';
import {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import {
  capability,
  FakePlatformService,
  resource,
} from '../__testUtils__/fixtures';
import { PlatformEntityProvider } from './PlatformEntityProvider';

const LOCATION_KEY = 'trellis-platform:trellis-platform';

function setup(options: { templates?: boolean; coalesceMs?: number } = {}) {
  const platform = new FakePlatformService();
  platform.capabilities.push(capability());
  const applyMutation = jest.fn<Promise<void>, [EntityProviderMutation]>(
    async () => {},
  );
  const connection: EntityProviderConnection = {
    applyMutation,
    refresh: jest.fn(),
  };
  const tasks: SchedulerServiceTaskInvocationDefinition[] = [];
  const provider = new PlatformEntityProvider({
    platform: platform.asService(),
    auth: mockServices.auth(),
    logger: mockServices.logger.mock(),
    taskRunner: { run: async task => void tasks.push(task) },
    mapping: { templates: options.templates },
    // Most tests apply changes with flush(), so the timer decides nothing.
    coalesceMs: options.coalesceMs ?? 60_000,
  });
  return { platform, provider, connection, applyMutation, tasks };
}

function refsOf(entities: Array<{ entity: any }>) {
  return entities.map(
    e =>
      `${e.entity.kind.toLocaleLowerCase('en-US')}:${e.entity.metadata.name}`,
  );
}

describe('PlatformEntityProvider', () => {
  let provider: PlatformEntityProvider | undefined;
  afterEach(() => provider?.close());

  it('schedules the full refresh when connected', async () => {
    const env = setup();
    provider = env.provider;
    env.platform.add(resource({ name: 'orders-db' }));

    await env.provider.connect(env.connection);

    expect(env.provider.getProviderName()).toBe('trellis-platform');
    expect(env.tasks).toHaveLength(1);
    expect(env.tasks[0].id).toBe('trellis-platform:refresh');
    expect(env.applyMutation).not.toHaveBeenCalled();

    await env.tasks[0].fn(new AbortController().signal as any);
    expect(env.applyMutation).toHaveBeenCalledTimes(1);
    expect(env.applyMutation.mock.calls[0][0].type).toBe('full');
  });

  it('emits capabilities and every page of resources in one full mutation', async () => {
    const env = setup();
    provider = env.provider;
    const resources = Array.from({ length: 1203 }, () => resource());
    env.platform.add(...resources);
    env.platform.add(
      resource({
        name: 'gone',
        status: { phase: 'Deleted', conditions: [] },
      }),
    );
    await env.provider.connect(env.connection);

    await env.provider.refresh();

    expect(env.platform.listResources).toHaveBeenCalledTimes(3);
    expect(env.platform.listResources.mock.calls.map(c => c[0])).toEqual([
      { limit: 500, cursor: undefined },
      { limit: 500, cursor: '500' },
      { limit: 500, cursor: '1000' },
    ]);
    expect(env.applyMutation).toHaveBeenCalledTimes(1);
    const mutation = env.applyMutation.mock.calls[0][0];
    if (mutation.type !== 'full') throw new Error('expected a full mutation');
    expect(mutation.entities).toHaveLength(2 + 1203);
    const refs = refsOf(mutation.entities);
    expect(refs).toContain('api:local-postgresql');
    expect(refs).toContain('template:request-local-postgresql');
    expect(refs).toContain(`resource:postgresql-${resources[0].name}-dev`);
    expect(refs).toContain(`resource:postgresql-${resources[1202].name}-dev`);
    expect(refs).not.toContain('resource:postgresql-gone-dev');
    for (const deferred of mutation.entities) {
      expect(deferred.locationKey).toBe(LOCATION_KEY);
    }
  });

  it('leaves templates out when they are disabled', async () => {
    const env = setup({ templates: false });
    provider = env.provider;
    await env.provider.connect(env.connection);

    await env.provider.refresh();

    const mutation = env.applyMutation.mock.calls[0][0];
    if (mutation.type !== 'full') throw new Error('expected a full mutation');
    expect(refsOf(mutation.entities)).toEqual(['api:local-postgresql']);
  });

  it('keeps the catalog as it is when the platform cannot be read', async () => {
    const env = setup();
    provider = env.provider;
    env.platform.listResources.mockRejectedValueOnce(
      new ServiceUnavailableError('database down'),
    );
    await env.provider.connect(env.connection);

    await expect(env.provider.refresh()).rejects.toThrow('database down');
    expect(env.applyMutation).not.toHaveBeenCalled();
    // The scheduled task logs instead of failing.
    await expect(
      env.tasks[0].fn(new AbortController().signal as any),
    ).resolves.toBeUndefined();
    expect(env.applyMutation).toHaveBeenCalledTimes(1); // the second run
  });

  it('adds a changed resource as a delta, one mutation per burst', async () => {
    const env = setup();
    provider = env.provider;
    await env.provider.connect(env.connection);
    const first = resource({ name: 'orders-db' });
    const second = resource({ name: 'users-db', environment: 'production' });
    env.platform.add(first, second);

    env.platform.notify(first.id);
    env.platform.notify(second.id);
    env.platform.notify(first.id);
    await env.provider.flush();

    expect(env.applyMutation).toHaveBeenCalledTimes(1);
    expect(env.platform.getResource).toHaveBeenCalledTimes(2);
    const mutation = env.applyMutation.mock.calls[0][0];
    if (mutation.type !== 'delta') throw new Error('expected a delta');
    expect(mutation.removed).toEqual([]);
    expect(refsOf(mutation.added).sort()).toEqual([
      'resource:postgresql-orders-db-dev',
      'resource:postgresql-users-db-production',
    ]);
    expect(mutation.added[0].locationKey).toBe(LOCATION_KEY);
  });

  it('applies a burst of changes on its own after a short while', async () => {
    const env = setup({ coalesceMs: 5 });
    provider = env.provider;
    await env.provider.connect(env.connection);
    const r = resource({ name: 'orders-db' });
    env.platform.add(r);

    env.platform.notify(r.id);
    env.platform.notify(r.id);

    const deadline = Date.now() + 5_000;
    while (!env.applyMutation.mock.calls.length && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    await env.provider.flush();
    expect(env.applyMutation).toHaveBeenCalledTimes(1);
    expect(env.platform.getResource).toHaveBeenCalledTimes(1);
  });

  it('carries the latest phase in the delta', async () => {
    const env = setup();
    provider = env.provider;
    await env.provider.connect(env.connection);
    const r = resource({ status: { phase: 'Provisioning', conditions: [] } });
    env.platform.add(r);
    env.platform.notify(r.id);
    await env.provider.flush();

    env.platform.add({ ...r, status: { phase: 'Ready', conditions: [] } });
    env.platform.notify(r.id);
    await env.provider.flush();

    const phases = env.applyMutation.mock.calls.map(([m]) =>
      m.type === 'delta'
        ? m.added[0].entity.metadata.annotations!['trellis.dev/phase']
        : undefined,
    );
    expect(phases).toEqual(['Provisioning', 'Ready']);
  });

  it('removes a deleted resource', async () => {
    const env = setup();
    provider = env.provider;
    await env.provider.connect(env.connection);
    const r = resource({ name: 'orders-db' });
    env.platform.add({ ...r, status: { phase: 'Deleted', conditions: [] } });

    env.platform.notify(r.id);
    await env.provider.flush();

    expect(env.applyMutation).toHaveBeenCalledWith({
      type: 'delta',
      added: [],
      removed: [
        {
          entityRef: 'resource:default/postgresql-orders-db-dev',
          locationKey: LOCATION_KEY,
        },
      ],
    });
  });

  it('removes an emitted resource the platform no longer knows', async () => {
    const env = setup();
    provider = env.provider;
    await env.provider.connect(env.connection);
    const known = resource({ name: 'orders-db' });
    env.platform.add(known);
    await env.provider.refresh();
    env.platform.resources.delete(known.id);

    env.platform.notify(known.id);
    env.platform.notify('never-emitted');
    await env.provider.flush();

    expect(env.applyMutation).toHaveBeenCalledTimes(2);
    expect(env.applyMutation).toHaveBeenLastCalledWith({
      type: 'delta',
      added: [],
      removed: [
        {
          entityRef: 'resource:default/postgresql-orders-db-dev',
          locationKey: LOCATION_KEY,
        },
      ],
    });
  });

  it('keeps the entity when a resource of the same name was requested again', async () => {
    const env = setup();
    provider = env.provider;
    await env.provider.connect(env.connection);
    const old = resource({
      name: 'orders-db',
      status: { phase: 'Deleted', conditions: [] },
    });
    const again = resource({ name: 'orders-db' });
    env.platform.add(old, again);

    // A late notification of the old one alone.
    env.platform.notify(old.id);
    await env.provider.flush();
    expect(env.applyMutation).not.toHaveBeenCalled();

    // Both in one burst: the new one is added, nothing removed.
    env.platform.notify(old.id);
    env.platform.notify(again.id);
    await env.provider.flush();
    const mutation = env.applyMutation.mock.calls[0][0];
    if (mutation.type !== 'delta') throw new Error('expected a delta');
    expect(refsOf(mutation.added)).toEqual([
      'resource:postgresql-orders-db-dev',
    ]);
    expect(
      mutation.added[0].entity.metadata.annotations!['trellis.dev/resource-id'],
    ).toBe(again.id);
    expect(mutation.removed).toEqual([]);
  });

  it('applies what it can read when a resource cannot be read', async () => {
    const env = setup();
    provider = env.provider;
    await env.provider.connect(env.connection);
    const ok = resource({ name: 'ok' });
    const broken = resource({ name: 'broken' });
    env.platform.add(ok, broken);
    env.platform.getResource.mockImplementation(async (id: string) => {
      if (id === broken.id) throw new ServiceUnavailableError('engine down');
      return env.platform.resources.get(id)!;
    });

    env.platform.notify(ok.id);
    env.platform.notify(broken.id);
    await env.provider.flush();

    const mutation = env.applyMutation.mock.calls[0][0];
    if (mutation.type !== 'delta') throw new Error('expected a delta');
    expect(refsOf(mutation.added)).toEqual(['resource:postgresql-ok-dev']);
  });

  it('reads resources again that changed during a full refresh', async () => {
    const env = setup();
    provider = env.provider;
    await env.provider.connect(env.connection);
    const r = resource({ status: { phase: 'Provisioning', conditions: [] } });
    env.platform.add(r);
    // The resource becomes Ready after its page was read.
    env.platform.listResources.mockImplementationOnce(async () => {
      const page = { items: [r], totalCount: 1 };
      env.platform.add({ ...r, status: { phase: 'Ready', conditions: [] } });
      env.platform.notify(r.id);
      return page;
    });

    await env.provider.refresh();
    await env.provider.flush();

    const [full, delta] = env.applyMutation.mock.calls.map(([m]) => m);
    expect(full.type).toBe('full');
    if (delta?.type !== 'delta') throw new Error('expected a delta');
    expect(
      delta.added[0].entity.metadata.annotations!['trellis.dev/phase'],
    ).toBe('Ready');
  });

  it('stops listening when closed', async () => {
    const env = setup();
    provider = env.provider;
    await env.provider.connect(env.connection);
    await env.provider.refresh();
    expect(env.platform.subscriberCount).toBe(1);

    env.provider.close();

    expect(env.platform.subscriberCount).toBe(0);
    const r = resource();
    env.platform.add(r);
    env.platform.notify(r.id);
    await env.provider.flush();
    expect(env.applyMutation).toHaveBeenCalledTimes(1);
  });
});
