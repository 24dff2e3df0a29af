import { mockServices } from '@backstage/backend-test-utils';
import { EngineChange } from '@trellis/backstage-plugin-platform-node';
import { waitFor } from './__testUtils__/testCluster';
import { ClusterClient } from './cluster/ClusterClient';
import { createKubeConfig } from './cluster/kubeConfig';
import { KubernetesEngine } from './KubernetesEngine';

/*
 * Runs the engine against the cluster of the current kubeconfig context when
 * KUBECONFIG is set, and is skipped otherwise. See docs/engines/kubernetes.md:
 *
 *   TRELLIS_LIVE_CONTEXT     kubeconfig context (default: the current one)
 *   TRELLIS_LIVE_NAMESPACE   namespace to create the test instance in (default: default)
 *   TRELLIS_LIVE_CAPABILITY  capability to request, e.g. a Promise name; without it
 *                            only the capabilities are listed
 *   TRELLIS_LIVE_SPEC        the instance's spec as JSON (default: {})
 *   TRELLIS_LIVE_TIMEOUT_SECONDS  how long to wait for Ready and for deletion (default: 600)
 */
const live = process.env.KUBECONFIG ? describe : describe.skip;
const capability = process.env.TRELLIS_LIVE_CAPABILITY;
const namespace = process.env.TRELLIS_LIVE_NAMESPACE ?? 'default';
const timeoutMs =
  Number(process.env.TRELLIS_LIVE_TIMEOUT_SECONDS ?? 600) * 1000;

live('KubernetesEngine against a live cluster', () => {
  jest.setTimeout(2 * timeoutMs + 60_000);
  let engine: KubernetesEngine;

  beforeAll(() => {
    const kubeConfig = createKubeConfig('live', {
      type: 'kubeconfig',
      context: process.env.TRELLIS_LIVE_CONTEXT,
    });
    engine = new KubernetesEngine({
      cluster: {
        name: 'live',
        title: 'Live cluster',
        namespaces: { live: namespace },
      },
      client: new ClusterClient({ name: 'live', kubeConfig }),
      logger: mockServices.logger.mock(),
    });
  });

  afterAll(() => engine.close());

  it('lists the capabilities of the cluster', async () => {
    const capabilities = await engine.listCapabilities();

    // eslint-disable-next-line no-console
    console.log(
      capabilities
        .map(
          c =>
            `${c.name} ${c.version} ${
              c.available
                ? 'available'
                : `unavailable: ${c.availabilityMessage}`
            }`,
        )
        .join('\n') || 'No Kratix Promises or Crossplane XRDs found',
    );
    for (const c of capabilities) {
      expect(c.inputSchema.type).toBe('object');
    }
  });

  const withCapability = capability ? describe : describe.skip;
  withCapability(`with TRELLIS_LIVE_CAPABILITY=${capability}`, () => {
    it(`requests it in namespace ${namespace}, sees it become Ready and deletes it`, async () => {
      const resourceId = `live-${Date.now().toString(36)}`;
      const changes: EngineChange[] = [];
      const unsubscribe = engine.watch(change => changes.push(change));
      try {
        const { engineRef } = await engine.apply({
          resourceId,
          capability: capability!,
          name: `trellis-live-${Date.now().toString(36)}`,
          environment: 'live',
          owner: 'group:default/platform-team',
          requestedBy: 'user:default/live-test',
          spec: JSON.parse(process.env.TRELLIS_LIVE_SPEC ?? '{}'),
          generation: 1,
          version: '',
        });

        const ready = await waitFor(
          () => {
            const states = changes.flatMap(c =>
              c.type === 'observed' && c.state.resourceId === resourceId
                ? [c.state]
                : [],
            );
            const failed = states.find(s => s.phase === 'Failed');
            if (failed) {
              throw new Error(`The instance failed: ${failed.message}`);
            }
            return states.find(s => s.phase === 'Ready');
          },
          { timeoutMs, intervalMs: 1000, what: 'the instance to become Ready' },
        );
        // eslint-disable-next-line no-console
        console.log(JSON.stringify(ready, null, 2));
        expect((await engine.observeAll()).map(s => s.resourceId)).toContain(
          resourceId,
        );

        await engine.delete({ resourceId, engineRef });
        await waitFor(
          () =>
            changes.some(
              c => c.type === 'deleted' && c.resource.resourceId === resourceId,
            ),
          { timeoutMs, intervalMs: 1000, what: 'the instance to be deleted' },
        );
      } finally {
        unsubscribe();
      }
    });
  });
});
