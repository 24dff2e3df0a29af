import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { desiredResource, useFakeCluster } from './__testUtils__/testCluster';

// These tests talk HTTP to an in-process API server; on a loaded machine that takes a while.
jest.setTimeout(30_000);

describe('KubernetesEngine', () => {
  const cluster = useFakeCluster();

  describe('apply', () => {
    it('creates the request in the environment namespace, labelled for the platform', async () => {
      const { postgresqlType } = cluster.installKratix();
      const { engine } = cluster.createEngine();

      const { engineRef } = await engine.apply(desiredResource());

      expect(engineRef).toEqual({
        cluster: 'test',
        namespace: 'team-billing',
        apiVersion: 'data.platform.example.com/v1alpha1',
        kind: 'PostgreSQL',
        name: 'billing-db',
      });
      const created = cluster.request(postgresqlType)!;
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
      cluster.installKratix();
      const { engine } = cluster.createEngine();
      await engine.apply(desiredResource());
      const writes = () =>
        cluster.server.requests.filter(r =>
          ['create', 'patch'].includes(r.verb),
        );
      expect(writes().length).toBe(1);

      await engine.apply(desiredResource());
      await engine.apply(desiredResource());

      expect(writes().length).toBe(1);
    });

    it('updates by patch: new values set, removed fields removed, fields of controllers kept', async () => {
      const { postgresqlType } = cluster.installKratix();
      const { engine } = cluster.createEngine();
      await engine.apply(desiredResource());
      // A controller (or Crossplane, for claims) adds a field of its own to the spec.
      cluster.updateRequest(postgresqlType, live => ({
        ...live,
        spec: { ...live.spec, managedBy: 'controller' },
      }));

      await engine.apply(
        desiredResource({
          spec: { size: 'large', version: '16' },
          generation: 2,
          component: undefined,
        }),
      );

      const updated = cluster.request(postgresqlType)!;
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
      expect(
        cluster.server.requests.filter(r => r.verb === 'patch').length,
      ).toBe(1);
    });

    it('keeps finding objects an older engine labelled trellis.io, and relabels them on apply', async () => {
      const { postgresqlType } = cluster.installKratix();
      const { engine, logger } = cluster.createEngine();
      // As the engine wrote it before the trellis.dev vocabulary.
      cluster.server.put(postgresqlType, {
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

      const updated = cluster.request(postgresqlType)!;
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
      const { postgresqlType } = cluster.installKratix();
      const { engine } = cluster.createEngine();
      await engine.apply(desiredResource());
      cluster.server.beforeNext('patch', 'postgresqls', () => {
        cluster.updateRequest(postgresqlType, live => ({
          ...live,
          metadata: {
            ...live.metadata,
            labels: { ...live.metadata.labels, 'kratix.io/paused': 'true' },
          },
        }));
      });

      await engine.apply(
        desiredResource({ spec: { size: 'medium' }, generation: 2 }),
      );

      const updated = cluster.request(postgresqlType)!;
      expect(updated.spec).toEqual({ size: 'medium' });
      expect(updated.metadata.labels?.['kratix.io/paused']).toBe('true');
      expect(
        cluster.server.requests.filter(r => r.verb === 'patch').length,
      ).toBe(2);
    });

    it('refuses to take over an object that belongs to someone else', async () => {
      const { postgresqlType } = cluster.installKratix();
      cluster.server.put(postgresqlType, {
        metadata: { name: 'billing-db', namespace: 'team-billing' },
        spec: { size: 'small' },
      });
      const { engine } = cluster.createEngine();

      await expect(engine.apply(desiredResource())).rejects.toThrow(
        new ConflictError(
          "Cannot apply PostgreSQL team-billing/billing-db on cluster 'test': it was not created by the platform",
        ),
      );
    });

    it('reports a spec the API server rejects as an input error with its message', async () => {
      cluster.installKratix();
      const { engine } = cluster.createEngine();

      const error = await engine
        .apply(desiredResource({ spec: { size: 'huge' } }))
        .catch(e => e);

      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(
        'The API server of cluster \'test\' rejected PostgreSQL team-billing/billing-db: PostgreSQL.data.platform.example.com "billing-db" is invalid: spec.size: Unsupported value: "huge": supported values: "small", "medium", "large"',
      );
    });

    it('rejects capabilities the cluster does not offer and environments that are no namespace', async () => {
      cluster.installKratix();
      const { engine } = cluster.createEngine();

      await expect(
        engine.apply(desiredResource({ capability: 'mongodb' })),
      ).rejects.toThrow(NotFoundError);
      await expect(
        engine.apply(desiredResource({ environment: 'Staging EU' })),
      ).rejects.toThrow(InputError);
    });

    it('creates claims for v1 XRDs', async () => {
      const { claimType } = cluster.installCrossplane('v1');
      const { engine } = cluster.createEngine({ kratix: false });

      await engine.apply(
        desiredResource({
          capability: 'xmysqls.db.platform.example.com',
          name: 'orders-db',
          environment: 'team-orders',
          spec: { storageGB: 20 },
        }),
      );

      expect(
        cluster.server.get(claimType, 'team-orders', 'orders-db')?.spec,
      ).toEqual({
        storageGB: 20,
      });
    });
  });
});
