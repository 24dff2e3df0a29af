import {
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { desiredResource, useFakeCluster } from './__testUtils__/testCluster';
import { PROMISE_TYPE } from './kratix/KratixAdapter';

// These tests talk HTTP to an in-process API server; on a loaded machine that takes a while.
jest.setTimeout(30_000);

describe('KubernetesEngine', () => {
  const cluster = useFakeCluster();

  describe('errors', () => {
    it('says the cluster is unreachable', async () => {
      cluster.installKratix();
      const { engine } = cluster.createEngine();
      await cluster.server.close();

      const error = await engine.listCapabilities().catch(e => e);

      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error.message).toMatch(
        /^Cluster 'test' at http:\/\/127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED/,
      );
    });

    it('says the credentials were rejected (401)', async () => {
      cluster.installKratix();
      cluster.server.requireToken('the-right-token');
      const { engine } = cluster.createEngine({
        token: 'a-wrong-token',
      });

      const error = await engine.listCapabilities().catch(e => e);

      expect(error).toBeInstanceOf(NotAllowedError);
      expect(error.message).toBe(
        "Cluster 'test' rejected the engine's credentials (401 Unauthorized) when it tried to list promises.platform.kratix.io; check the token or kubeconfig configured for the cluster",
      );
    });

    it('names the permission that is missing (403)', async () => {
      cluster.installKratix();
      cluster.server.deny('create', 'postgresqls');
      const { engine } = cluster.createEngine();

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
      cluster.installKratix();
      cluster.server.setNamespaces(['team-orders']);
      const { engine } = cluster.createEngine();

      await expect(engine.apply(desiredResource())).rejects.toThrow(
        new NotFoundError(
          "Namespace 'team-billing' does not exist on cluster 'test'; create it, or map the environment to an existing namespace (platform.engines.kubernetes.clusters[].namespaces)",
        ),
      );
    });

    it('says when the CRD of a capability was removed', async () => {
      const { postgresqlType } = cluster.installKratix();
      const { engine } = cluster.createEngine();
      await engine.listCapabilities();
      cluster.server.removeType(postgresqlType);

      const error = await engine.apply(desiredResource()).catch(e => e);

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toBe(
        "Cluster 'test' does not serve postgresqls.data.platform.example.com/v1alpha1; its CustomResourceDefinition is not installed or was removed",
      );
      // Its instances went with it.
      expect(await engine.observeAll()).toEqual([]);
    });

    it('lists capabilities again when the Promise changes', async () => {
      cluster.installKratix();
      const { engine } = cluster.createEngine();
      await engine.listCapabilities();
      cluster.server.update(PROMISE_TYPE, undefined, 'redis', promise => ({
        ...promise,
        status: { ...promise.status, status: 'Available' },
      }));

      expect((await engine.listCapabilities())[1].available).toBe(true);
    });
  });
});
