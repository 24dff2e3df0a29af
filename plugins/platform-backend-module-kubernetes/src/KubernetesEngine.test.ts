import { KubeObject, ResourceType } from './cluster/types';
import { XRD_TYPES } from './crossplane/CrossplaneAdapter';
import { PROMISE_TYPE } from './kratix/KratixAdapter';
import { FakeKubeApiServer } from './__testUtils__/FakeKubeApiServer';
import {
  createTestEngine,
  desiredResource,
  installCrossplane,
  useFakeCluster,
} from './__testUtils__/testCluster';

// These tests talk HTTP to an in-process API server; on a loaded machine that takes a while.
jest.setTimeout(30_000);

// Capabilities, deleting and observing. apply and the errors of the
// cluster have their own files, as have watches, day-2 operations and user auth.
describe('KubernetesEngine', () => {
  const cluster = useFakeCluster();

  describe('listCapabilities', () => {
    it('offers every Kratix Promise with an API, with its schema, versions and availability', async () => {
      cluster.installKratix();
      const { engine, logger } = cluster.createEngine({
        owner: 'group:default/platform',
      });

      const capabilities = await engine.listCapabilities();
      await engine.listCapabilities();

      expect(capabilities.map(c => c.name)).toEqual(['postgresql', 'redis']);
      expect(capabilities[0]).toEqual({
        name: 'postgresql',
        title: 'PostgreSQL database',
        description: 'A managed PostgreSQL database with daily backups.',
        owner: 'group:default/data-platform',
        tags: ['kratix', 'database', 'sql'],
        links: [
          {
            url: 'https://docs.example.com/platform/postgresql',
            title: 'Documentation',
          },
        ],
        version: 'v1.2.0',
        versions: ['v1.1.0', 'v1.2.0'],
        instanceApiVersion: 'data.platform.example.com/v1alpha1',
        instanceKind: 'PostgreSQL',
        inputSchema: expect.objectContaining({
          type: 'object',
          required: ['size'],
          properties: expect.objectContaining({
            size: expect.objectContaining({
              enum: ['small', 'medium', 'large'],
            }),
          }),
        }),
        available: true,
        availabilityMessage: undefined,
        requiresApproval: false,
      });
      expect(capabilities[1]).toMatchObject({
        name: 'redis',
        title: 'Redis',
        owner: 'group:default/platform',
        version: 'not set',
        versions: ['not set'],
        available: false,
        availabilityMessage: 'Required Promises are not installed',
      });
      // The fixture spells its annotations the old way (trellis.io/..., docs-url):
      // read all the same, with one warning per Promise and key, not per listing.
      const deprecations = logger.warn.mock.calls
        .map(([message]) => String(message))
        .filter(message => message.includes('deprecated annotation'));
      expect(deprecations).toHaveLength(5);
      expect(deprecations).toContain(
        'Promise postgresql uses the deprecated annotation trellis.io/docs-url; write trellis.dev/docs instead (the old spelling will stop being read in a future release)',
      );
    });

    it('offers v1 XRDs through their claims and v2 XRDs through namespaced XRs', async () => {
      cluster.installCrossplane('v1');
      const { engine: crossplane1 } = cluster.createEngine({
        kratix: false,
      });

      expect(await crossplane1.listCapabilities()).toEqual([
        expect.objectContaining({
          name: 'xbuckets.storage.platform.example.com',
          instanceKind: 'Bucket',
          available: false,
          availabilityMessage:
            'cannot apply rendered composite resource claim CustomResourceDefinition',
        }),
        expect.objectContaining({
          name: 'xmysqls.db.platform.example.com',
          title: 'MySQL',
          description:
            'A MySQL database on the cloud provider of the platform.',
          owner: 'group:default/data-platform',
          tags: ['crossplane'],
          instanceApiVersion: 'db.platform.example.com/v1alpha1',
          instanceKind: 'MySQL',
          // Revisions of the default composition, oldest first.
          versions: ['xmysqls-aws-5d2c8', 'xmysqls-aws-9e07b'],
          version: 'xmysqls-aws-9e07b',
          available: true,
        }),
      ]);

      const other = await FakeKubeApiServer.start();
      try {
        installCrossplane(other, 'v2');
        const { engine: crossplane2 } = createTestEngine(other, {
          kratix: false,
        });

        expect(await crossplane2.listCapabilities()).toEqual([
          expect.objectContaining({
            name: 'valkeys.cache.platform.example.com',
            instanceApiVersion: 'cache.platform.example.com/v1beta1',
            instanceKind: 'Valkey',
            version: 'valkeys-helm-0c3d9',
            available: true,
            inputSchema: {
              type: 'object',
              properties: {
                memoryMi: { type: 'integer', default: 256 },
                persistence: { type: 'boolean', default: false },
              },
            },
          }),
        ]);
      } finally {
        await other.close();
      }
    });

    it('offers nothing from an orchestrator that is not installed or not enabled', async () => {
      cluster.installKratix();

      expect(
        await cluster
          .createEngine({
            kratix: false,
          })
          .engine.listCapabilities(),
      ).toEqual([]);
      expect(
        (
          await cluster
            .createEngine({
              crossplane: true,
            })
            .engine.listCapabilities()
        ).map(c => c.name),
      ).toEqual(['postgresql', 'redis']);
    });

    it('asks for approval of the Promises and XRDs annotated trellis.dev/requires-approval: "true"', async () => {
      cluster.installKratix();
      cluster.installCrossplane('v1');
      const annotate = (type: ResourceType, name: string, value: string) =>
        cluster.server.update(type, undefined, name, (object: KubeObject) => ({
          ...object,
          metadata: {
            ...object.metadata,
            annotations: {
              ...object.metadata.annotations,
              'trellis.dev/requires-approval': value,
            },
          },
        }));
      const xrdV1 = XRD_TYPES.find(type => type.version === 'v1')!;
      annotate(PROMISE_TYPE, 'postgresql', ' True ');
      // Read as parseRequiresApproval reads it: only "true" asks.
      annotate(PROMISE_TYPE, 'redis', 'yes');
      annotate(xrdV1, 'xmysqls.db.platform.example.com', 'true');
      const { engine } = cluster.createEngine();

      const capabilities = await engine.listCapabilities();

      // xbuckets has no such annotation.
      expect(
        Object.fromEntries(capabilities.map(c => [c.name, c.requiresApproval])),
      ).toEqual({
        postgresql: true,
        redis: false,
        'xbuckets.storage.platform.example.com': false,
        'xmysqls.db.platform.example.com': true,
      });
    });
  });

  describe('delete', () => {
    it('starts deleting and reports completion once the controller has finished', async () => {
      const { postgresqlType } = cluster.installKratix();
      const { engine } = cluster.createEngine();
      const { engineRef } = await engine.apply(desiredResource());
      cluster.updateRequest(postgresqlType, live => ({
        ...live,
        metadata: {
          ...live.metadata,
          finalizers: ['kratix.io/delete-workflows'],
        },
      }));

      await engine.delete({ resourceId: 'res-0001', engineRef });

      expect(
        await engine.observe({ resourceId: 'res-0001', engineRef }),
      ).toMatchObject({
        phase: 'Deleting',
      });
      // Idempotent while deleting.
      await engine.delete({ resourceId: 'res-0001', engineRef });
      cluster.server.finalize(postgresqlType, 'team-billing', 'billing-db');
      expect(
        await engine.observe({ resourceId: 'res-0001', engineRef }),
      ).toBeUndefined();
    });

    it('reports a resource that is already gone as deleted', async () => {
      cluster.installKratix();
      const { engine } = cluster.createEngine();
      const changes: unknown[] = [];
      engine.watch(change => changes.push(change));

      await engine.delete({ resourceId: 'res-0404' });
      await new Promise(resolve => setImmediate(resolve));

      expect(changes).toContainEqual({
        type: 'deleted',
        resource: { resourceId: 'res-0404' },
      });
      engine.close();
    });
  });

  describe('observe and observeAll', () => {
    it('maps the object to the observed state, with the platform generation it reconciled', async () => {
      const { postgresqlType } = cluster.installKratix();
      const { engine } = cluster.createEngine();
      const { engineRef } = await engine.apply(
        desiredResource({ generation: 3 }),
      );
      cluster.server.setStatus(postgresqlType, 'team-billing', 'billing-db', {
        observedGeneration: 1,
        promiseVersion: 'v1.2.0',
        connectionDetails: { host: 'billing-db.team-billing.svc' },
        conditions: [
          {
            type: 'ConfigureWorkflowCompleted',
            status: 'True',
            reason: 'PipelinesExecutedSuccessfully',
          },
          { type: 'Reconciled', status: 'True', reason: 'Reconciled' },
        ],
      });

      expect(
        await engine.observe({ resourceId: 'res-0001', engineRef }),
      ).toEqual({
        resourceId: 'res-0001',
        engineRef,
        phase: 'Ready',
        observedGeneration: 3,
        appliedVersion: 'v1.2.0',
        message: undefined,
        conditions: [
          {
            type: 'ConfigureWorkflowCompleted',
            status: 'True',
            reason: 'PipelinesExecutedSuccessfully',
          },
          { type: 'Reconciled', status: 'True', reason: 'Reconciled' },
        ],
        outputs: { 'connectionDetails.host': 'billing-db.team-billing.svc' },
      });

      await engine.apply(
        desiredResource({ generation: 4, spec: { size: 'medium' } }),
      );

      expect(
        await engine.observe({ resourceId: 'res-0001', engineRef }),
      ).toMatchObject({
        phase: 'Updating',
        observedGeneration: 3,
      });
    });

    it('finds a resource by its label when the engine reference is not known', async () => {
      cluster.installKratix();
      const { engine } = cluster.createEngine();
      const { engineRef } = await engine.apply(desiredResource());

      expect(await engine.observe({ resourceId: 'res-0001' })).toMatchObject({
        engineRef,
      });
      expect(await engine.observe({ resourceId: 'res-9999' })).toBeUndefined();
    });

    it('lists every managed resource with one list per type, never one request per resource', async () => {
      const { postgresqlType } = cluster.installKratix();
      const { claimType, compositeType } = cluster.installCrossplane('v1');
      const { engine } = cluster.createEngine();
      for (let i = 1; i <= 5; i++) {
        await engine.apply(
          desiredResource({ resourceId: `res-${i}`, name: `db-${i}` }),
        );
      }
      await engine.apply(
        desiredResource({
          resourceId: 'res-claim',
          capability: 'xmysqls.db.platform.example.com',
          name: 'orders-db',
          environment: 'team-orders',
          spec: { storageGB: 20 },
        }),
      );
      cluster.server.put(postgresqlType, {
        metadata: { name: 'not-ours', namespace: 'team-billing' },
        spec: { size: 'small' },
      });
      cluster.server.update(claimType, 'team-orders', 'orders-db', claim => ({
        ...claim,
        spec: {
          ...claim.spec,
          resourceRef: { kind: 'XMySQL', name: 'orders-db-k2x8q' },
        },
      }));
      cluster.server.put(compositeType, {
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
      cluster.server.requests.length = 0;

      const states = await engine.observeAll();

      expect(states.map(s => s.resourceId).sort()).toEqual([
        'res-1',
        'res-2',
        'res-3',
        'res-4',
        'res-5',
        'res-claim',
      ]);
      expect(states.find(s => s.resourceId === 'res-claim')).toMatchObject({
        phase: 'Pending',
        appliedVersion: 'xmysqls-aws-9e07b',
        outputs: {
          compositeResource: 'XMySQL/orders-db-k2x8q',
          composedResources: 'Instance/orders-db-k2x8q-7sd9f',
        },
      });
      expect(cluster.server.requests.every(r => r.verb === 'list')).toBe(true);
      expect(
        cluster.server.requests.filter(r => r.plural === 'postgresqls').length,
      ).toBe(1);
    });
  });
});
