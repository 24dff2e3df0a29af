import { ConflictError } from '@backstage/errors';
import { FakeKubeApiServer } from '../__testUtils__/FakeKubeApiServer';
import { fakeKubeConfig } from '../__testUtils__/testCluster';
import { ClusterClient } from './ClusterClient';
import { ResourceType } from './types';

// These tests talk HTTP to an in-process API server; on a loaded machine that takes a while.
jest.setTimeout(30_000);

const GADGETS: ResourceType = {
  group: 'example.com',
  version: 'v1',
  plural: 'gadgets',
  kind: 'Gadget',
  namespaced: true,
};

describe('ClusterClient', () => {
  let server: FakeKubeApiServer;
  let client: ClusterClient;

  beforeEach(async () => {
    server = await FakeKubeApiServer.start();
    server.addType(GADGETS);
    client = new ClusterClient({
      name: 'test',
      kubeConfig: fakeKubeConfig(server),
      pageSize: 2,
    });
  });

  afterEach(async () => {
    await server.close();
  });

  it('lists every page, at the resourceVersion of the first', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      server.put(GADGETS, { metadata: { name, namespace: 'ns' }, spec: {} });
    }
    const before = server
      .list(GADGETS)
      .map(o => Number(o.metadata.resourceVersion));

    const { items, resourceVersion } = await client.list(GADGETS);

    expect(items.map(o => o.metadata.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(Number(resourceVersion)).toBe(Math.max(...before));
    expect(server.requests.filter(r => r.verb === 'list')).toHaveLength(3);
  });

  it('tells absent objects apart from errors', async () => {
    expect(await client.get(GADGETS, 'ns', 'missing')).toBeUndefined();
    expect(await client.delete(GADGETS, 'ns', 'missing')).toBe(false);

    const created = await client.create(GADGETS, {
      metadata: { name: 'a', namespace: 'ns' },
      spec: { size: 1 },
    });
    expect(created?.metadata.generation).toBe(1);
    expect(
      await client.create(GADGETS, {
        metadata: { name: 'a', namespace: 'ns' },
      }),
    ).toBeUndefined();

    await expect(
      client.delete(GADGETS, 'ns', 'a', { uid: 'another-incarnation' }),
    ).rejects.toThrow(ConflictError);
    expect(
      await client.delete(GADGETS, 'ns', 'a', { uid: created?.metadata.uid }),
    ).toBe(true);
  });

  it('sends patches as JSON merge patches', async () => {
    server.put(GADGETS, {
      metadata: { name: 'a', namespace: 'ns' },
      spec: { size: 1, color: 'red' },
    });

    const patched = await client.mergePatch(GADGETS, 'ns', 'a', {
      spec: { size: 2, color: null },
    });

    expect(patched.spec).toEqual({ size: 2 });
    expect(patched.metadata.generation).toBe(2);
  });
});
