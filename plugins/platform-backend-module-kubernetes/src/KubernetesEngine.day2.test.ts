import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { loadObject } from './__testUtils__/fixtures';
import { desiredResource, useFakeCluster } from './__testUtils__/testCluster';
import { PROMISE_TYPE, RESOURCE_BINDING_TYPE } from './kratix/KratixAdapter';

// These tests talk HTTP to an in-process API server; on a loaded machine that takes a while.
jest.setTimeout(30_000);

describe('KubernetesEngine day-2 operations', () => {
  const cluster = useFakeCluster();

  describe('Kratix', () => {
    it('upgrades one request by pinning its ResourceBinding to the version', async () => {
      cluster.installKratix();
      const { engine } = cluster.createEngine();
      const { engineRef } = await engine.apply(desiredResource());
      // Kratix binds each request to a Promise revision.
      cluster.server.put(
        RESOURCE_BINDING_TYPE,
        loadObject('kratix/resource-binding.yaml'),
      );
      cluster.server.put(RESOURCE_BINDING_TYPE, {
        metadata: {
          name: 'other-db-postgresql-0a1b2',
          namespace: 'team-billing',
          labels: { 'kratix.io/promise-name': 'postgresql' },
        },
        spec: {
          promiseRef: { name: 'postgresql' },
          resourceRef: { name: 'other-db', namespace: 'team-billing' },
          version: 'v1.1.0',
        },
      });

      await engine.upgrade({ resourceId: 'res-0001', engineRef }, 'v1.2.0');

      expect(
        cluster.server.get(
          RESOURCE_BINDING_TYPE,
          'team-billing',
          'billing-db-postgresql-7f3c1',
        )?.spec?.version,
      ).toBe('v1.2.0');
      expect(
        cluster.server.get(
          RESOURCE_BINDING_TYPE,
          'team-billing',
          'other-db-postgresql-0a1b2',
        )?.spec?.version,
      ).toBe('v1.1.0');
    });

    it('refuses versions the Promise does not have, and requests Kratix has not bound yet', async () => {
      cluster.installKratix();
      const { engine } = cluster.createEngine();
      const { engineRef } = await engine.apply(desiredResource());

      await expect(
        engine.upgrade({ resourceId: 'res-0001', engineRef }, 'v9.9.9'),
      ).rejects.toThrow(
        new InputError(
          "Promise postgresql has no version 'v9.9.9' on cluster 'test'; known versions: v1.1.0, v1.2.0",
        ),
      );
      await expect(
        engine.upgrade({ resourceId: 'res-0001', engineRef }, 'v1.1.0'),
      ).rejects.toThrow(ConflictError);
      await expect(
        engine.upgrade({ resourceId: 'res-0404' }, 'v1.1.0'),
      ).rejects.toThrow(NotFoundError);
    });

    it('re-runs the workflows of every request of a Promise', async () => {
      cluster.installKratix();
      const { engine } = cluster.createEngine();

      await engine.reconcileAll('postgresql');

      expect(
        cluster.server.get(PROMISE_TYPE, undefined, 'postgresql')?.metadata
          .labels,
      ).toMatchObject({ 'kratix.io/reconcile-resources': 'true' });
    });
  });

  describe('Crossplane', () => {
    it('upgrades a claim through compositionRevisionRef with a Manual update policy', async () => {
      const { claimType } = cluster.installCrossplane('v1');
      const { engine } = cluster.createEngine({ kratix: false });
      const { engineRef } = await engine.apply(
        desiredResource({
          capability: 'xmysqls.db.platform.example.com',
          name: 'orders-db',
          environment: 'team-orders',
          spec: { storageGB: 20 },
        }),
      );

      await engine.upgrade(
        { resourceId: 'res-0001', engineRef },
        'xmysqls-aws-9e07b',
      );

      expect(
        cluster.server.get(claimType, 'team-orders', 'orders-db')?.spec,
      ).toEqual({
        storageGB: 20,
        compositionUpdatePolicy: 'Manual',
        compositionRevisionRef: { name: 'xmysqls-aws-9e07b' },
      });
      // A later spec update keeps the pin.
      await engine.apply(
        desiredResource({
          capability: 'xmysqls.db.platform.example.com',
          name: 'orders-db',
          environment: 'team-orders',
          spec: { storageGB: 40 },
          generation: 2,
        }),
      );
      expect(
        cluster.server.get(claimType, 'team-orders', 'orders-db')?.spec,
      ).toMatchObject({
        storageGB: 40,
        compositionRevisionRef: { name: 'xmysqls-aws-9e07b' },
      });
      await expect(
        engine.upgrade(
          { resourceId: 'res-0001', engineRef },
          'valkeys-helm-0c3d9',
        ),
      ).rejects.toThrow(
        new InputError(
          "Cluster 'test' has no CompositionRevision 'valkeys-helm-0c3d9' for XMySQL",
        ),
      );
    });

    it('upgrades a v2 XR through spec.crossplane', async () => {
      const { valkeyType } = cluster.installCrossplane('v2');
      const { engine } = cluster.createEngine({ kratix: false });
      const { engineRef } = await engine.apply(
        desiredResource({
          capability: 'valkeys.cache.platform.example.com',
          name: 'sessions',
          environment: 'team-web',
          spec: { memoryMi: 512 },
        }),
      );

      await engine.upgrade(
        { resourceId: 'res-0001', engineRef },
        'valkeys-helm-0c3d9',
      );

      expect(
        cluster.server.get(valkeyType, 'team-web', 'sessions')?.spec,
      ).toEqual({
        memoryMi: 512,
        crossplane: {
          compositionUpdatePolicy: 'Manual',
          compositionRevisionRef: { name: 'valkeys-helm-0c3d9' },
        },
      });
      await expect(
        engine.reconcileAll('valkeys.cache.platform.example.com'),
      ).rejects.toThrow(
        new InputError(
          "Capability 'valkeys.cache.platform.example.com' on cluster 'test' is not a Kratix Promise; only Promises re-run their instances' workflows",
        ),
      );
    });
  });
});
