import {
  EngineChange,
  ObservedState,
} from '@trellis/backstage-plugin-platform-node';
import {
  FakeKubeApiServer,
  FakeResourceType,
} from './__testUtils__/FakeKubeApiServer';
import {
  createTestEngine,
  desiredResource,
  installCrossplane,
  installKratix,
  recordChanges,
  waitFor,
} from './__testUtils__/testCluster';
import { KubernetesEngine } from './KubernetesEngine';
import { PROMISE_TYPE } from './kratix/KratixAdapter';

// These tests talk HTTP to an in-process API server; on a loaded machine that takes a while.
jest.setTimeout(30_000);

const READY_STATUS = {
  observedGeneration: 1,
  promiseVersion: 'v1.2.0',
  conditions: [
    {
      type: 'ConfigureWorkflowCompleted',
      status: 'True',
      reason: 'PipelinesExecutedSuccessfully',
    },
    { type: 'WorksSucceeded', status: 'True', reason: 'WorksSucceeded' },
    { type: 'Reconciled', status: 'True', reason: 'Reconciled' },
  ],
};

const PROVISIONING_STATUS = {
  observedGeneration: 1,
  conditions: [
    {
      type: 'ConfigureWorkflowCompleted',
      status: 'False',
      reason: 'PipelinesInProgress',
    },
    { type: 'Reconciled', status: 'Unknown', reason: 'WorkflowPending' },
  ],
};

describe('KubernetesEngine.watch', () => {
  let server: FakeKubeApiServer;
  let engine: KubernetesEngine;
  let changes: EngineChange[];
  let unsubscribe: () => void;
  let postgresqlType: FakeResourceType;

  /** The phases pushed for a resource, in order. */
  const phasesOf = (resourceId: string) =>
    changes.flatMap(change => {
      if (
        change.type === 'observed' &&
        change.state.resourceId === resourceId
      ) {
        return [change.state.phase];
      }
      if (
        change.type === 'deleted' &&
        change.resource.resourceId === resourceId
      ) {
        return ['(deleted)'];
      }
      return [];
    });
  const latest = (resourceId: string): ObservedState | undefined =>
    changes
      .flatMap(c =>
        c.type === 'observed' && c.state.resourceId === resourceId
          ? [c.state]
          : [],
      )
      .pop();

  beforeEach(async () => {
    server = await FakeKubeApiServer.start();
    ({ postgresqlType } = installKratix(server));
    ({ engine } = createTestEngine(server));
    ({ changes, unsubscribe } = recordChanges(engine));
    // Promises, revisions and both Promise APIs.
    await waitFor(() => server.openWatchCount === 4, { what: 'the watches' });
  });

  afterEach(async () => {
    unsubscribe();
    await server.close();
  });

  it('pushes every phase of a request, from creation to deletion', async () => {
    await engine.apply(desiredResource());
    await waitFor(() => phasesOf('res-0001').length === 1);
    server.setStatus(
      postgresqlType,
      'team-billing',
      'billing-db',
      PROVISIONING_STATUS,
    );
    await waitFor(() => phasesOf('res-0001').length === 2);
    server.setStatus(
      postgresqlType,
      'team-billing',
      'billing-db',
      READY_STATUS,
    );
    await waitFor(() => phasesOf('res-0001').length === 3);
    // A status rewrite that changes nothing the platform sees is not pushed.
    server.setStatus(postgresqlType, 'team-billing', 'billing-db', {
      ...READY_STATUS,
      workflowsSucceeded: 1,
    });
    server.update(postgresqlType, 'team-billing', 'billing-db', live => ({
      ...live,
      metadata: {
        ...live.metadata,
        finalizers: ['kratix.io/delete-workflows'],
      },
    }));
    await engine.delete({
      resourceId: 'res-0001',
      engineRef: latest('res-0001')!.engineRef,
    });
    await waitFor(() => phasesOf('res-0001').length === 4);
    server.finalize(postgresqlType, 'team-billing', 'billing-db');

    await waitFor(() => phasesOf('res-0001').length === 5);
    expect(phasesOf('res-0001')).toEqual([
      'Pending',
      'Provisioning',
      'Ready',
      'Deleting',
      '(deleted)',
    ]);
    expect(changes).toContainEqual({
      type: 'deleted',
      resource: {
        resourceId: 'res-0001',
        engineRef: {
          cluster: 'test',
          namespace: 'team-billing',
          apiVersion: 'data.platform.example.com/v1alpha1',
          kind: 'PostgreSQL',
          name: 'billing-db',
        },
      },
    });
  });

  it.each([
    ['the connection drops', false],
    ['the watch expires (410 Gone)', true],
  ])('loses no change when %s', async (_case, expire) => {
    await engine.apply(desiredResource({ resourceId: 'res-a', name: 'db-a' }));
    await engine.apply(desiredResource({ resourceId: 'res-b', name: 'db-b' }));
    await waitFor(() => latest('res-a') && latest('res-b'));

    server.dropWatches();
    server.setStatus(postgresqlType, 'team-billing', 'db-a', READY_STATUS);
    server.setStatus(postgresqlType, 'team-billing', 'db-a', {
      ...READY_STATUS,
      connectionDetails: { host: 'db-a.team-billing.svc' },
    });
    await engine.delete({
      resourceId: 'res-b',
      engineRef: latest('res-b')!.engineRef,
    });
    if (expire) {
      server.compact();
    }

    await waitFor(() => phasesOf('res-b').includes('(deleted)'), {
      what: 'the deletion',
    });
    await waitFor(() => latest('res-a')?.outputs['connectionDetails.host'], {
      what: 'the last change',
    });
    expect(latest('res-a')).toMatchObject({
      phase: 'Ready',
      appliedVersion: 'v1.2.0',
    });
    await waitFor(() => server.openWatchCount === 4, {
      what: 'watching again',
    });
  });

  it('heals what the watch could not deliver on resync', async () => {
    await engine.apply(desiredResource());
    await waitFor(() => latest('res-0001'));
    server.deny('watch', 'postgresqls');
    server.dropWatches();
    server.setStatus(
      postgresqlType,
      'team-billing',
      'billing-db',
      READY_STATUS,
    );

    await engine.resync();

    const healed = await waitFor(
      () => latest('res-0001')?.phase === 'Ready' && latest('res-0001'),
      {
        what: 'the resync',
      },
    );
    expect(healed).toMatchObject({ phase: 'Ready', appliedVersion: 'v1.2.0' });
    server.allow('watch', 'postgresqls');
  });

  it('tells the platform when capabilities change, and watches new ones', async () => {
    server.update(PROMISE_TYPE, undefined, 'redis', redis => ({
      ...redis,
      status: { ...redis.status, status: 'Available' },
    }));

    await waitFor(() => changes.some(c => c.type === 'capabilities'));
    expect(
      (await engine.listCapabilities()).find(c => c.name === 'redis')
        ?.available,
    ).toBe(true);
    // Served from memory while watching: no request.
    const requests = server.requests.length;
    await engine.listCapabilities();
    expect(server.requests.length).toBe(requests);
  });

  it('reports the instances of a removed CRD as deleted, and its capability as unavailable', async () => {
    await engine.apply(desiredResource());
    await waitFor(() => latest('res-0001'));

    server.removeType(postgresqlType);

    await waitFor(() => phasesOf('res-0001').includes('(deleted)'));
    await waitFor(() => changes.some(c => c.type === 'capabilities'));
    expect((await engine.listCapabilities())[0]).toMatchObject({
      name: 'postgresql',
      available: false,
      availabilityMessage:
        "Cluster 'test' does not serve postgresqls.data.platform.example.com/v1alpha1: its CustomResourceDefinition is missing",
    });
  });

  it('stops watching when the last listener unsubscribes', async () => {
    unsubscribe();

    await waitFor(() => server.openWatchCount === 0, {
      what: 'the watches to end',
    });
    server.put(postgresqlType, {
      metadata: {
        name: 'late-db',
        namespace: 'team-billing',
        labels: { 'trellis.io/resource-id': 'res-late' },
      },
      spec: { size: 'small' },
    });
    await engine.observe({ resourceId: 'res-late' });
    expect(
      changes.some(
        c => c.type === 'observed' && c.state.resourceId === 'res-late',
      ),
    ).toBe(false);
    unsubscribe = () => {};
  });
});

describe('KubernetesEngine.watch with Crossplane claims', () => {
  let server: FakeKubeApiServer;

  beforeEach(async () => {
    server = await FakeKubeApiServer.start();
  });

  afterEach(async () => {
    await server.close();
  });

  it('reports a claim again when its composite changes, with the composed resources', async () => {
    const { claimType, compositeType } = installCrossplane(server, 'v1');
    const { engine } = createTestEngine(server, { kratix: false });
    const { changes, unsubscribe } = recordChanges(engine);
    await engine.apply(
      desiredResource({
        resourceId: 'res-claim',
        capability: 'xmysqls.db.platform.example.com',
        name: 'orders-db',
        environment: 'team-orders',
        spec: { storageGB: 20 },
      }),
    );
    server.update(claimType, 'team-orders', 'orders-db', claim => ({
      ...claim,
      spec: {
        ...claim.spec,
        resourceRef: { kind: 'XMySQL', name: 'orders-db-k2x8q' },
      },
    }));
    server.setStatus(claimType, 'team-orders', 'orders-db', {
      conditions: [
        { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
        { type: 'Ready', status: 'True', reason: 'Available' },
      ],
    });

    server.put(compositeType, {
      metadata: {
        name: 'orders-db-k2x8q',
        labels: {
          'crossplane.io/claim-name': 'orders-db',
          'crossplane.io/claim-namespace': 'team-orders',
        },
      },
      spec: {
        compositionRevisionRef: { name: 'xmysqls-aws-9e07b' },
        resourceRefs: [{ kind: 'Instance', name: 'orders-db-k2x8q-7sd9f' }],
      },
    });

    const state = await waitFor(() =>
      changes
        .flatMap(c => (c.type === 'observed' ? [c.state] : []))
        .find(s => s.outputs.composedResources),
    );
    expect(state).toMatchObject({
      resourceId: 'res-claim',
      phase: 'Ready',
      appliedVersion: 'xmysqls-aws-9e07b',
      outputs: {
        compositeResource: 'XMySQL/orders-db-k2x8q',
        composedResources: 'Instance/orders-db-k2x8q-7sd9f',
      },
    });
    unsubscribe();
  });
});

describe('KubernetesEngine.watch before the cluster lets it', () => {
  it('keeps trying to list the capabilities, then watches', async () => {
    const server = await FakeKubeApiServer.start();
    try {
      installKratix(server);
      server.deny('list', 'promises');
      const { engine, logger } = createTestEngine(server);
      const { unsubscribe } = recordChanges(engine);

      await waitFor(
        () => server.requests.filter(r => r.plural === 'promises').length >= 3,
        {
          what: 'retries',
        },
      );
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringMatching(
          /^Could not list the capabilities of cluster 'test', retrying: Cluster 'test' does not allow the engine to list promises.platform.kratix.io/,
        ),
      );
      server.allow('list', 'promises');

      await waitFor(() => server.openWatchCount === 4, { what: 'the watches' });
      unsubscribe();
    } finally {
      await server.close();
    }
  });
});
