import { EngineChange } from '@trellis/backstage-plugin-platform-node';
import { FakeKubeApiServer } from './__testUtils__/FakeKubeApiServer';
import {
  createTestEngine,
  desiredResource,
  installCrossplane,
  installKratix,
  recordChanges,
  waitFor,
} from './__testUtils__/testCluster';

// These tests talk HTTP to an in-process API server; on a loaded machine that takes a while.
jest.setTimeout(30_000);

describe('two clusters side by side', () => {
  let euServer: FakeKubeApiServer;
  let usServer: FakeKubeApiServer;

  beforeEach(async () => {
    euServer = await FakeKubeApiServer.start({ token: 'eu-token' });
    usServer = await FakeKubeApiServer.start({ token: 'us-token' });
  });

  afterEach(async () => {
    await euServer.close();
    await usServer.close();
  });

  it('keeps capabilities, objects and changes of each cluster apart', async () => {
    const { postgresqlType } = installKratix(euServer);
    const { claimType } = installCrossplane(usServer, 'v1');
    const eu = createTestEngine(euServer, {
      name: 'prod-eu',
      token: 'eu-token',
    }).engine;
    const us = createTestEngine(usServer, {
      name: 'prod-us',
      token: 'us-token',
    }).engine;
    const euChanges = recordChanges(eu);
    const usChanges = recordChanges(us);

    expect((await eu.listCapabilities()).map(c => c.name)).toEqual([
      'postgresql',
      'redis',
    ]);
    expect((await us.listCapabilities()).map(c => c.name)).toEqual([
      'xbuckets.storage.platform.example.com',
      'xmysqls.db.platform.example.com',
    ]);

    const { engineRef: euRef } = await eu.apply(
      desiredResource({ resourceId: 'res-eu' }),
    );
    const { engineRef: usRef } = await us.apply(
      desiredResource({
        resourceId: 'res-us',
        capability: 'xmysqls.db.platform.example.com',
        name: 'orders-db',
        environment: 'team-orders',
        spec: { storageGB: 20 },
      }),
    );
    euServer.setStatus(postgresqlType, 'team-billing', 'billing-db', {
      observedGeneration: 1,
      conditions: [
        { type: 'Reconciled', status: 'True', reason: 'Reconciled' },
      ],
    });
    usServer.setStatus(claimType, 'team-orders', 'orders-db', {
      conditions: [
        { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
        { type: 'Ready', status: 'False', reason: 'Creating' },
      ],
    });

    const phase = (changes: EngineChange[], id: string) =>
      changes
        .flatMap(c =>
          c.type === 'observed' && c.state.resourceId === id
            ? [c.state.phase]
            : [],
        )
        .pop();
    await waitFor(() => phase(euChanges.changes, 'res-eu') === 'Ready');
    await waitFor(() => phase(usChanges.changes, 'res-us') === 'Provisioning');

    expect(euRef.cluster).toBe('prod-eu');
    expect(usRef.cluster).toBe('prod-us');
    expect(phase(euChanges.changes, 'res-us')).toBeUndefined();
    expect(phase(usChanges.changes, 'res-eu')).toBeUndefined();
    expect((await eu.observeAll()).map(s => s.resourceId)).toEqual(['res-eu']);
    expect((await us.observeAll()).map(s => s.resourceId)).toEqual(['res-us']);
    expect(
      usServer.get(postgresqlType, 'team-billing', 'billing-db'),
    ).toBeUndefined();

    euChanges.unsubscribe();
    usChanges.unsubscribe();
  });
});
