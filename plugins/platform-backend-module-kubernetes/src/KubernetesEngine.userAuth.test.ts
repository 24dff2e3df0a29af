import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import { EngineCallContext } from '@trellis/backstage-plugin-platform-node';
import {
  FakeKubeApiServer,
  SERVICE_ACCOUNT_USER,
} from './__testUtils__/FakeKubeApiServer';
import { loadObject } from './__testUtils__/fixtures';
import {
  createTestEngine,
  desiredResource,
  installCrossplane,
  installKratix,
  recordChanges,
  waitFor,
} from './__testUtils__/testCluster';
import { PROMISE_TYPE, RESOURCE_BINDING_TYPE } from './kratix/KratixAdapter';

// These tests talk HTTP to an in-process API server; on a loaded machine that takes a while.
jest.setTimeout(30_000);

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const asAlice: EngineCallContext = {
  actor: 'user:default/alice',
  userToken: 'alice-id-token',
};
const asBob: EngineCallContext = {
  actor: 'user:default/bob',
  userToken: 'bob-id-token',
};

describe('KubernetesEngine with per-user token passthrough', () => {
  let server: FakeKubeApiServer;

  beforeEach(async () => {
    // The cluster knows the engine's service account token and the users' ID tokens, nothing else.
    server = await FakeKubeApiServer.start({ token: 'engine-token' });
    server.addUser('alice-id-token', ALICE);
    server.addUser('bob-id-token', BOB);
  });

  afterEach(async () => {
    await server.close();
  });

  /** What one user asked of the cluster, as `<verb> <plural>`. */
  const callsBy = (user: string) =>
    server.requestsBy(user).map(r => `${r.verb} ${r.plural}`);

  function createUserAuthEngine(
    options: Parameters<typeof createTestEngine>[1] = {},
  ) {
    return createTestEngine(server, {
      userAuth: { provider: 'okta' },
      ...options,
    });
  }

  it('declares the sign-in provider whose tokens it needs', () => {
    expect(createUserAuthEngine().engine.userAuth).toEqual({
      provider: 'okta',
    });
    expect(createTestEngine(server).engine.userAuth).toBeUndefined();
  });

  it('creates, updates and deletes instances as the requesting user', async () => {
    const { postgresqlType } = installKratix(server);
    const { engine } = createUserAuthEngine();

    const { engineRef } = await engine.apply(desiredResource(), asAlice);
    await engine.apply(
      desiredResource({ spec: { size: 'large' }, generation: 2 }),
      asAlice,
    );
    await engine.delete({ resourceId: 'res-0001', engineRef }, asAlice);

    expect(callsBy(ALICE)).toEqual([
      'get postgresqls',
      'create postgresqls',
      'get postgresqls',
      'patch postgresqls',
      'get postgresqls',
      'delete postgresqls',
    ]);
    // Only the capability listing is the engine's own.
    expect(new Set(callsBy(SERVICE_ACCOUNT_USER))).toEqual(
      new Set([
        'list promises',
        'list promiserevisions',
        'list compositeresourcedefinitions',
      ]),
    );
    expect(server.get(postgresqlType, 'team-billing', 'billing-db')).toBe(
      undefined,
    );
  });

  it('records who requested the instance on it', async () => {
    const { postgresqlType } = installKratix(server);
    const { engine } = createUserAuthEngine();

    await engine.apply(
      desiredResource({ requestedBy: 'user:default/alice' }),
      asAlice,
    );

    expect(
      server.get(postgresqlType, 'team-billing', 'billing-db')?.metadata
        .annotations,
    ).toMatchObject({ 'trellis.dev/requested-by': 'user:default/alice' });
  });

  it('upgrades a Kratix request as the user, through its ResourceBinding', async () => {
    installKratix(server);
    const { engine } = createUserAuthEngine();
    const { engineRef } = await engine.apply(desiredResource(), asAlice);
    server.put(
      RESOURCE_BINDING_TYPE,
      loadObject('kratix/resource-binding.yaml'),
    );
    server.requests.length = 0;

    await engine.upgrade(
      { resourceId: 'res-0001', engineRef },
      'v1.2.0',
      asBob,
    );

    expect(callsBy(BOB)).toEqual([
      'get postgresqls',
      'list resourcebindings',
      'patch resourcebindings',
    ]);
    expect(callsBy(SERVICE_ACCOUNT_USER)).toEqual([]);
    expect(
      server.get(
        RESOURCE_BINDING_TYPE,
        'team-billing',
        'billing-db-postgresql-7f3c1',
      )?.spec?.version,
    ).toBe('v1.2.0');
  });

  it('upgrades a Crossplane claim as the user, reading the revision as them', async () => {
    const { claimType } = installCrossplane(server, 'v1');
    const { engine } = createUserAuthEngine({ kratix: false });
    const { engineRef } = await engine.apply(
      desiredResource({
        capability: 'xmysqls.db.platform.example.com',
        name: 'orders-db',
        environment: 'team-orders',
        spec: { storageGB: 20 },
      }),
      asAlice,
    );
    server.requests.length = 0;

    await engine.upgrade(
      { resourceId: 'res-0001', engineRef },
      'xmysqls-aws-9e07b',
      asAlice,
    );

    expect(callsBy(ALICE)).toEqual([
      'get mysqls',
      'get compositionrevisions',
      'patch mysqls',
    ]);
    expect(callsBy(SERVICE_ACCOUNT_USER)).toEqual([]);
    expect(
      server.get(claimType, 'team-orders', 'orders-db')?.spec,
    ).toMatchObject({
      compositionRevisionRef: { name: 'xmysqls-aws-9e07b' },
    });
  });

  it('re-runs the workflows of a Promise as the user', async () => {
    installKratix(server);
    const { engine } = createUserAuthEngine();

    await engine.reconcileAll('postgresql', asAlice);

    expect(callsBy(ALICE)).toEqual(['patch promises']);
    expect(
      server.get(PROMISE_TYPE, undefined, 'postgresql')?.metadata.labels,
    ).toMatchObject({ 'kratix.io/reconcile-resources': 'true' });
  });

  it('keeps watching and observing with the service account', async () => {
    installKratix(server);
    const { engine } = createUserAuthEngine();
    const { changes, unsubscribe } = recordChanges(engine);
    try {
      await waitFor(() => server.openWatchCount >= 2, {
        what: 'the definition watches',
      });

      const { engineRef } = await engine.apply(desiredResource(), asAlice);
      await waitFor(
        () =>
          changes.some(
            c => c.type === 'observed' && c.state.resourceId === 'res-0001',
          ),
        { what: 'the new instance to be reported' },
      );
      expect(
        await engine.observe({ resourceId: 'res-0001', engineRef }),
      ).toMatchObject({ resourceId: 'res-0001', phase: 'Pending' });
      expect(await engine.observeAll()).toHaveLength(1);

      expect(callsBy(ALICE)).toEqual(['get postgresqls', 'create postgresqls']);
      const engineCalls = callsBy(SERVICE_ACCOUNT_USER);
      expect(engineCalls).toEqual(
        expect.arrayContaining([
          'watch promises',
          'watch postgresqls',
          'get postgresqls',
          'list postgresqls',
        ]),
      );
      expect(
        server.requests.every(
          r => r.user === SERVICE_ACCOUNT_USER || r.user === ALICE,
        ),
      ).toBe(true);
    } finally {
      unsubscribe();
    }
  });

  it('says when the cluster rejects the user’s token, and that they should sign in again', async () => {
    installKratix(server);
    const { engine } = createUserAuthEngine();
    const { engineRef } = await engine.apply(desiredResource(), asAlice);
    // The ID token expires.
    server.removeUser('alice-id-token');

    const error = await engine
      .delete({ resourceId: 'res-0001', engineRef }, asAlice)
      .catch(e => e);

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe(
      "Cluster 'test' rejected the token of user:default/alice (401 Unauthorized) when it tried to get PostgreSQL team-billing/billing-db: the token has expired or was issued by a provider the cluster does not trust; sign in again to the portal and retry",
    );
    // A token from a provider the cluster does not trust.
    await expect(
      engine.apply(desiredResource(), {
        actor: 'user:default/mallory',
        userToken: 'token-from-elsewhere',
      }),
    ).rejects.toThrow(AuthenticationError);
  });

  it('names the user and the permission they lack when the cluster forbids the change', async () => {
    const { postgresqlType } = installKratix(server);
    server.deny('create', 'postgresqls', ALICE);
    const { engine } = createUserAuthEngine();

    const error = await engine.apply(desiredResource(), asAlice).catch(e => e);

    expect(error).toBeInstanceOf(NotAllowedError);
    expect(error.message).toBe(
      `Cluster 'test' does not allow user:default/alice to create PostgreSQL team-billing/billing-db: they need the 'create' verb on 'postgresqls' in API group 'data.platform.example.com' in namespace 'team-billing', granted to them or one of their groups by a Role or ClusterRole binding on the cluster: postgresqls.data.platform.example.com is forbidden: User "${ALICE}" cannot create resource "postgresqls" in API group "data.platform.example.com" in the namespace "team-billing"`,
    );
    expect(server.get(postgresqlType, 'team-billing', 'billing-db')).toBe(
      undefined,
    );

    // Bob may, and then only Bob may move it between versions.
    const { engineRef } = await engine.apply(desiredResource(), asBob);
    server.put(
      RESOURCE_BINDING_TYPE,
      loadObject('kratix/resource-binding.yaml'),
    );
    server.deny('patch', 'resourcebindings', ALICE);
    await expect(
      engine.upgrade({ resourceId: 'res-0001', engineRef }, 'v1.2.0', asAlice),
    ).rejects.toThrow(
      "Cluster 'test' does not allow user:default/alice to patch ResourceBinding team-billing/billing-db-postgresql-7f3c1: they need the 'patch' verb on 'resourcebindings' in API group 'platform.kratix.io' in namespace 'team-billing'",
    );
    await engine.upgrade(
      { resourceId: 'res-0001', engineRef },
      'v1.2.0',
      asBob,
    );
  });

  it('refuses changes without the user’s token, before asking the cluster anything', async () => {
    installKratix(server);
    const { engine } = createUserAuthEngine();
    const resource = { resourceId: 'res-0001' };
    const message =
      "Cluster 'test' changes objects with the requesting user's identity; no token was passed for user:default/alice. Sign in to the portal with okta and retry with your credentials";

    await expect(
      engine.apply(desiredResource(), { actor: 'user:default/alice' }),
    ).rejects.toThrow(new AuthenticationError(message));
    await expect(engine.apply(desiredResource())).rejects.toThrow(
      AuthenticationError,
    );
    await expect(engine.delete(resource)).rejects.toThrow(AuthenticationError);
    await expect(engine.upgrade(resource, 'v1.2.0')).rejects.toThrow(
      AuthenticationError,
    );
    await expect(engine.reconcileAll('postgresql')).rejects.toThrow(
      AuthenticationError,
    );
    expect(server.requests).toEqual([]);
  });

  it('ignores the user’s token on clusters without userAuth', async () => {
    installKratix(server);
    const { engine } = createTestEngine(server);

    const { engineRef } = await engine.apply(desiredResource(), asAlice);
    server.put(
      RESOURCE_BINDING_TYPE,
      loadObject('kratix/resource-binding.yaml'),
    );
    await engine.upgrade(
      { resourceId: 'res-0001', engineRef },
      'v1.2.0',
      asAlice,
    );
    await engine.reconcileAll('postgresql', asAlice);
    await engine.delete({ resourceId: 'res-0001', engineRef }, asAlice);

    expect(callsBy(ALICE)).toEqual([]);
    expect(callsBy(SERVICE_ACCOUNT_USER)).toEqual(
      expect.arrayContaining([
        'create postgresqls',
        'patch resourcebindings',
        'patch promises',
        'delete postgresqls',
      ]),
    );
    expect(server.requests.every(r => r.user === SERVICE_ACCOUNT_USER)).toBe(
      true,
    );
  });
});
