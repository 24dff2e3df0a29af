import { ConflictError } from '@backstage/errors';
import { KubeConfig } from '@kubernetes/client-node';
import {
  FakeKubeApiServer,
  SERVICE_ACCOUNT_USER,
} from '../__testUtils__/FakeKubeApiServer';
import { fakeKubeConfig } from '../__testUtils__/testCluster';
import { ClusterClient } from './ClusterClient';
import { userKubeConfig } from './kubeConfig';
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

  describe('asUser', () => {
    it('sends the user’s token instead of the engine’s', async () => {
      server.addUser('alice-id-token', 'alice@example.com');
      server.put(GADGETS, { metadata: { name: 'a', namespace: 'ns' } });

      const alice = client.asUser('alice-id-token', 'user:default/alice');
      await alice.mergePatch(GADGETS, 'ns', 'a', { spec: { size: 2 } });
      await client.get(GADGETS, 'ns', 'a');

      expect(alice.actor).toBe('user:default/alice');
      expect(alice.name).toBe('test');
      expect(server.requests.map(r => [r.verb, r.user])).toEqual([
        ['patch', 'alice@example.com'],
        ['get', SERVICE_ACCOUNT_USER],
      ]);
    });

    it('keeps the cluster and drops every credential of the engine', () => {
      const engine = new KubeConfig();
      engine.loadFromOptions({
        clusters: [
          {
            name: 'prod',
            server: 'https://k8s.example.com:6443',
            caData: 'LS0tQ0E=',
            skipTLSVerify: false,
            tlsServerName: 'kubernetes.default',
          },
        ],
        users: [
          {
            name: 'engine',
            certData: 'LS0tQ0VSVA==',
            keyData: 'LS0tS0VZ',
            token: 'engine-token',
            exec: { command: 'aws', args: ['eks', 'get-token'] },
            authProvider: { name: 'oidc', config: {} },
            impersonateUser: 'admin',
          },
        ],
        contexts: [{ name: 'prod', cluster: 'prod', user: 'engine' }],
        currentContext: 'prod',
      });

      const user = userKubeConfig(engine, 'alice-id-token');

      expect(user.getCurrentCluster()).toEqual({
        name: 'prod',
        server: 'https://k8s.example.com:6443',
        caData: 'LS0tQ0E=',
        caFile: undefined,
        skipTLSVerify: false,
        tlsServerName: 'kubernetes.default',
        proxyUrl: undefined,
      });
      expect(user.getCurrentUser()).toEqual({
        name: 'user',
        token: 'alice-id-token',
      });
      expect(user.getUsers()).toHaveLength(1);
    });
  });
});
