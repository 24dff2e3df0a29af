import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { FakeKubeApiServer } from './__testUtils__/FakeKubeApiServer';
import {
  createTestEngine,
  desiredResource,
  installCrossplane,
  installKratix,
} from './__testUtils__/testCluster';
import { PROMISE_TYPE } from './kratix/KratixAdapter';

// These tests talk HTTP to an in-process API server; on a loaded machine that takes a while.
jest.setTimeout(30_000);

describe('KubernetesEngine', () => {
  let server: FakeKubeApiServer;

  beforeEach(async () => {
    server = await FakeKubeApiServer.start();
  });

  afterEach(async () => {
    await server.close();
  });

  describe('listCapabilities', () => {
    it('offers every Kratix Promise with an API, with its schema, versions and availability', async () => {
      installKratix(server);
      const { engine, logger } = createTestEngine(server, {
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
      installCrossplane(server, 'v1');
      const { engine: crossplane1 } = createTestEngine(server, {
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
      installKratix(server);

      expect(
        await createTestEngine(server, {
          kratix: false,
        }).engine.listCapabilities(),
      ).toEqual([]);
      expect(
        (
          await createTestEngine(server, {
            crossplane: true,
          }).engine.listCapabilities()
        ).map(c => c.name),
      ).toEqual(['postgresql', 'redis']);
    });
  });

  describe('apply', () => {
    it('creates the request in the environment namespace, labelled for the platform', async () => {
      const { postgresqlType } = installKratix(server);
      const { engine } = createTestEngine(server);

      const { engineRef } = await engine.apply(desiredResource());

      expect(engineRef).toEqual({
        cluster: 'test',
        namespace: 'team-billing',
        apiVersion: 'data.platform.example.com/v1alpha1',
        kind: 'PostgreSQL',
        name: 'billing-db',
      });
      const created = server.get(postgresqlType, 'team-billing', 'billing-db')!;
      expect(created.spec).toEqual({
        size: 'small',
        version: '16',
        backups: true,
      });
      expect(created.metadata.labels).toEqual({
        'trellis.dev/resource-id': 'res-0001',
        'trellis.dev/environment': 'production',
        'trellis.dev/owner': 'group.default.team-billing',
        'app.kubernetes.io/managed-by': 'trellis',
        // Kept for one release: the engine selects by it (objects/metadata.ts).
        'trellis.io/resource-id': 'res-0001',
      });
      expect(created.metadata.annotations).toMatchObject({
        'trellis.dev/owner': 'group:default/team-billing',
        'trellis.dev/requested-by': 'user:default/ada',
        'trellis.dev/component': 'component:default/billing-service',
        'trellis.dev/generation': '1',
      });
    });

    it('is idempotent: applying the same desired state again writes nothing', async () => {
      installKratix(server);
      const { engine } = createTestEngine(server);
      await engine.apply(desiredResource());
      const writes = () =>
        server.requests.filter(r => ['create', 'patch'].includes(r.verb));
      expect(writes().length).toBe(1);

      await engine.apply(desiredResource());
      await engine.apply(desiredResource());

      expect(writes().length).toBe(1);
    });

    it('updates by patch: new values set, removed fields removed, fields of controllers kept', async () => {
      const { postgresqlType } = installKratix(server);
      const { engine } = createTestEngine(server);
      await engine.apply(desiredResource());
      // A controller (or Crossplane, for claims) adds a field of its own to the spec.
      const live = server.get(postgresqlType, 'team-billing', 'billing-db')!;
      server.put(postgresqlType, {
        ...live,
        spec: { ...live.spec, managedBy: 'controller' },
      });

      await engine.apply(
        desiredResource({
          spec: { size: 'large', version: '16' },
          generation: 2,
          component: undefined,
        }),
      );

      const updated = server.get(postgresqlType, 'team-billing', 'billing-db')!;
      expect(updated.spec).toEqual({
        size: 'large',
        version: '16',
        managedBy: 'controller',
      });
      expect(updated.metadata.annotations?.['trellis.dev/generation']).toBe(
        '2',
      );
      expect(
        updated.metadata.annotations?.['trellis.dev/component'],
      ).toBeUndefined();
      expect(server.requests.filter(r => r.verb === 'patch').length).toBe(1);
    });

    it('keeps finding objects an older engine labelled trellis.io, and relabels them on apply', async () => {
      const { postgresqlType } = installKratix(server);
      const { engine, logger } = createTestEngine(server);
      // As the engine wrote it before the trellis.dev vocabulary.
      server.put(postgresqlType, {
        apiVersion: 'data.platform.example.com/v1alpha1',
        kind: 'PostgreSQL',
        metadata: {
          name: 'billing-db',
          namespace: 'team-billing',
          labels: {
            'trellis.io/resource-id': 'res-0001',
            'trellis.io/environment': 'production',
            'trellis.io/owner': 'group.default.team-billing',
            'app.kubernetes.io/managed-by': 'trellis',
          },
          annotations: {
            'trellis.io/owner': 'group:default/team-billing',
            'trellis.io/requested-by': 'user:default/ada',
            'trellis.io/component': 'component:default/billing-service',
            'trellis.io/generation': '1',
            'trellis.io/last-applied-spec': JSON.stringify({
              size: 'small',
              version: '16',
              backups: true,
            }),
          },
        },
        spec: { size: 'small', version: '16', backups: true },
      });

      const [before] = await engine.observeAll();
      await engine.observeAll();
      expect(before).toMatchObject({
        resourceId: 'res-0001',
        observedGeneration: 1,
      });
      expect(await engine.observe({ resourceId: 'res-0001' })).toMatchObject({
        resourceId: 'res-0001',
      });
      const deprecations = logger.warn.mock.calls
        .map(([message]) => String(message))
        .filter(message => message.includes('deprecated annotation'))
        .filter(message => message.includes('PostgreSQL objects'));
      // Once per kind and key (resource id, generation), however many polls.
      expect(deprecations).toEqual([
        "Cluster 'test': PostgreSQL objects managed by Trellis uses the deprecated annotation trellis.io/resource-id; write trellis.dev/resource-id instead (the old spelling will stop being read in a future release)",
        "Cluster 'test': PostgreSQL objects managed by Trellis uses the deprecated annotation trellis.io/generation; write trellis.dev/generation instead (the old spelling will stop being read in a future release)",
      ]);

      // The old last-applied spec still counts: backups, no longer desired, is removed.
      await engine.apply(
        desiredResource({
          spec: { size: 'large', version: '16' },
          generation: 2,
        }),
      );

      const updated = server.get(postgresqlType, 'team-billing', 'billing-db')!;
      expect(updated.spec).toEqual({ size: 'large', version: '16' });
      expect(updated.metadata.labels).toEqual({
        'trellis.dev/resource-id': 'res-0001',
        'trellis.dev/environment': 'production',
        'trellis.dev/owner': 'group.default.team-billing',
        'app.kubernetes.io/managed-by': 'trellis',
        'trellis.io/resource-id': 'res-0001',
      });
      expect(updated.metadata.annotations).toEqual({
        'trellis.dev/owner': 'group:default/team-billing',
        'trellis.dev/requested-by': 'user:default/ada',
        'trellis.dev/component': 'component:default/billing-service',
        'trellis.dev/generation': '2',
        'trellis.dev/last-applied-spec': JSON.stringify({
          size: 'large',
          version: '16',
        }),
      });
      expect((await engine.observeAll())[0]).toMatchObject({
        resourceId: 'res-0001',
        observedGeneration: 2,
      });
    });

    it('reads again and retries when another writer changed the object in between (409)', async () => {
      const { postgresqlType } = installKratix(server);
      const { engine } = createTestEngine(server);
      await engine.apply(desiredResource());
      server.beforeNext('patch', 'postgresqls', () => {
        const live = server.get(postgresqlType, 'team-billing', 'billing-db')!;
        server.put(postgresqlType, {
          ...live,
          metadata: {
            ...live.metadata,
            labels: { ...live.metadata.labels, 'kratix.io/paused': 'true' },
          },
        });
      });

      await engine.apply(
        desiredResource({ spec: { size: 'medium' }, generation: 2 }),
      );

      const updated = server.get(postgresqlType, 'team-billing', 'billing-db')!;
      expect(updated.spec).toEqual({ size: 'medium' });
      expect(updated.metadata.labels?.['kratix.io/paused']).toBe('true');
      expect(server.requests.filter(r => r.verb === 'patch').length).toBe(2);
    });

    it('refuses to take over an object that belongs to someone else', async () => {
      const { postgresqlType } = installKratix(server);
      server.put(postgresqlType, {
        metadata: { name: 'billing-db', namespace: 'team-billing' },
        spec: { size: 'small' },
      });
      const { engine } = createTestEngine(server);

      await expect(engine.apply(desiredResource())).rejects.toThrow(
        new ConflictError(
          "Cannot apply PostgreSQL team-billing/billing-db on cluster 'test': it was not created by the platform",
        ),
      );
    });

    it('reports a spec the API server rejects as an input error with its message', async () => {
      installKratix(server);
      const { engine } = createTestEngine(server);

      const error = await engine
        .apply(desiredResource({ spec: { size: 'huge' } }))
        .catch(e => e);

      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(
        'The API server of cluster \'test\' rejected PostgreSQL team-billing/billing-db: PostgreSQL.data.platform.example.com "billing-db" is invalid: spec.size: Unsupported value: "huge": supported values: "small", "medium", "large"',
      );
    });

    it('rejects capabilities the cluster does not offer and environments that are no namespace', async () => {
      installKratix(server);
      const { engine } = createTestEngine(server);

      await expect(
        engine.apply(desiredResource({ capability: 'mongodb' })),
      ).rejects.toThrow(NotFoundError);
      await expect(
        engine.apply(desiredResource({ environment: 'Staging EU' })),
      ).rejects.toThrow(InputError);
    });

    it('creates claims for v1 XRDs', async () => {
      const { claimType } = installCrossplane(server, 'v1');
      const { engine } = createTestEngine(server, { kratix: false });

      await engine.apply(
        desiredResource({
          capability: 'xmysqls.db.platform.example.com',
          name: 'orders-db',
          environment: 'team-orders',
          spec: { storageGB: 20 },
        }),
      );

      expect(server.get(claimType, 'team-orders', 'orders-db')?.spec).toEqual({
        storageGB: 20,
      });
    });
  });

  describe('delete', () => {
    it('starts deleting and reports completion once the controller has finished', async () => {
      const { postgresqlType } = installKratix(server);
      const { engine } = createTestEngine(server);
      const { engineRef } = await engine.apply(desiredResource());
      const live = server.get(postgresqlType, 'team-billing', 'billing-db')!;
      server.put(postgresqlType, {
        ...live,
        metadata: {
          ...live.metadata,
          finalizers: ['kratix.io/delete-workflows'],
        },
      });

      await engine.delete({ resourceId: 'res-0001', engineRef });

      expect(
        await engine.observe({ resourceId: 'res-0001', engineRef }),
      ).toMatchObject({
        phase: 'Deleting',
      });
      // Idempotent while deleting.
      await engine.delete({ resourceId: 'res-0001', engineRef });
      server.finalize(postgresqlType, 'team-billing', 'billing-db');
      expect(
        await engine.observe({ resourceId: 'res-0001', engineRef }),
      ).toBeUndefined();
    });

    it('reports a resource that is already gone as deleted', async () => {
      installKratix(server);
      const { engine } = createTestEngine(server);
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
      const { postgresqlType } = installKratix(server);
      const { engine } = createTestEngine(server);
      const { engineRef } = await engine.apply(
        desiredResource({ generation: 3 }),
      );
      server.setStatus(postgresqlType, 'team-billing', 'billing-db', {
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
      installKratix(server);
      const { engine } = createTestEngine(server);
      const { engineRef } = await engine.apply(desiredResource());

      expect(await engine.observe({ resourceId: 'res-0001' })).toMatchObject({
        engineRef,
      });
      expect(await engine.observe({ resourceId: 'res-9999' })).toBeUndefined();
    });

    it('lists every managed resource with one list per type, never one request per resource', async () => {
      const { postgresqlType } = installKratix(server);
      const { claimType, compositeType } = installCrossplane(server, 'v1');
      const { engine } = createTestEngine(server);
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
      server.put(postgresqlType, {
        metadata: { name: 'not-ours', namespace: 'team-billing' },
        spec: { size: 'small' },
      });
      const claim = server.get(claimType, 'team-orders', 'orders-db')!;
      server.put(claimType, {
        ...claim,
        spec: {
          ...claim.spec,
          resourceRef: { kind: 'XMySQL', name: 'orders-db-k2x8q' },
        },
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
      server.requests.length = 0;

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
      expect(server.requests.every(r => r.verb === 'list')).toBe(true);
      expect(
        server.requests.filter(r => r.plural === 'postgresqls').length,
      ).toBe(1);
    });
  });

  describe('errors', () => {
    it('says the cluster is unreachable', async () => {
      installKratix(server);
      const { engine } = createTestEngine(server);
      await server.close();

      const error = await engine.listCapabilities().catch(e => e);

      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error.message).toMatch(
        /^Cluster 'test' at http:\/\/127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED/,
      );
      server = await FakeKubeApiServer.start();
    });

    it('says the credentials were rejected (401)', async () => {
      installKratix(server);
      server.requireToken('the-right-token');
      const { engine } = createTestEngine(server, { token: 'a-wrong-token' });

      const error = await engine.listCapabilities().catch(e => e);

      expect(error).toBeInstanceOf(NotAllowedError);
      expect(error.message).toBe(
        "Cluster 'test' rejected the engine's credentials (401 Unauthorized) when it tried to list promises.platform.kratix.io; check the token or kubeconfig configured for the cluster",
      );
    });

    it('names the permission that is missing (403)', async () => {
      installKratix(server);
      server.deny('create', 'postgresqls');
      const { engine } = createTestEngine(server);

      const error = await engine.apply(desiredResource()).catch(e => e);

      expect(error).toBeInstanceOf(NotAllowedError);
      expect(error.message).toMatch(
        /^Cluster 'test' does not allow the engine to create PostgreSQL team-billing\/billing-db: its service account needs the 'create' verb on 'postgresqls' in API group 'data.platform.example.com' in namespace 'team-billing'/,
      );
      expect(error.message).toContain(
        'User "system:serviceaccount:trellis:trellis-engine" cannot create resource "postgresqls"',
      );
    });

    it('says when the namespace of an environment does not exist', async () => {
      installKratix(server);
      server.setNamespaces(['team-orders']);
      const { engine } = createTestEngine(server);

      await expect(engine.apply(desiredResource())).rejects.toThrow(
        new NotFoundError(
          "Namespace 'team-billing' does not exist on cluster 'test'; create it, or map the environment to an existing namespace (platform.engines.kubernetes.clusters[].namespaces)",
        ),
      );
    });

    it('says when the CRD of a capability was removed', async () => {
      const { postgresqlType } = installKratix(server);
      const { engine } = createTestEngine(server);
      await engine.listCapabilities();
      server.removeType(postgresqlType);

      const error = await engine.apply(desiredResource()).catch(e => e);

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toBe(
        "Cluster 'test' does not serve postgresqls.data.platform.example.com/v1alpha1; its CustomResourceDefinition is not installed or was removed",
      );
      // Its instances went with it.
      expect(await engine.observeAll()).toEqual([]);
    });

    it('lists capabilities again when the Promise changes', async () => {
      installKratix(server);
      const { engine } = createTestEngine(server);
      await engine.listCapabilities();
      const promise = server.get(PROMISE_TYPE, undefined, 'redis')!;
      server.put(PROMISE_TYPE, {
        ...promise,
        status: { ...promise.status, status: 'Available' },
      });

      expect((await engine.listCapabilities())[1].available).toBe(true);
    });
  });
});
