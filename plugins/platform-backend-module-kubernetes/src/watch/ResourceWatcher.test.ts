import { mockServices } from '@backstage/backend-test-utils';
import { FakeKubeApiServer } from '../__testUtils__/FakeKubeApiServer';
import { fakeKubeConfig, waitFor } from '../__testUtils__/testCluster';
import { ClusterClient } from '../cluster/ClusterClient';
import { KubeObject, ResourceType } from '../cluster/types';
import { ObjectEvent, ResourceWatcher } from './ResourceWatcher';

// These tests talk HTTP to an in-process API server; on a loaded machine that takes a while.
jest.setTimeout(30_000);

const WIDGETS: ResourceType = {
  group: 'example.com',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  namespaced: true,
};

function widget(
  name: string,
  color: string,
  labels = { managed: 'yes' },
): KubeObject {
  return { metadata: { name, namespace: 'ns', labels }, spec: { color } };
}

describe('ResourceWatcher', () => {
  let server: FakeKubeApiServer;
  let watcher: ResourceWatcher;
  let events: string[];
  let served: boolean[];

  const describeEvent = (event: ObjectEvent) =>
    `${event.type} ${event.object.metadata.name}${
      event.type === 'upsert' ? `=${event.object.spec?.color}` : ''
    }`;
  const listRequests = () =>
    server.requests.filter(r => r.verb === 'list' && r.plural === 'widgets')
      .length;
  const watchRequests = () =>
    server.requests.filter(r => r.verb === 'watch' && r.plural === 'widgets')
      .length;

  beforeEach(async () => {
    server = await FakeKubeApiServer.start();
    server.addType(WIDGETS);
    server.put(WIDGETS, widget('a', 'red'));
    server.put(WIDGETS, widget('unmanaged', 'grey', { managed: 'no' }));
    events = [];
    served = [];
    watcher = new ResourceWatcher({
      client: new ClusterClient({
        name: 'test',
        kubeConfig: fakeKubeConfig(server),
      }),
      type: WIDGETS,
      labelSelector: 'managed=yes',
      logger: mockServices.logger.mock(),
      onEvent: event => events.push(describeEvent(event)),
      onServedChange: value => served.push(value),
      backoff: { initialDelayMs: 5, maxDelayMs: 50 },
    });
    watcher.start();
    await waitFor(() => server.openWatchCount === 1, { what: 'the watch' });
  });

  afterEach(async () => {
    watcher.stop();
    await server.close();
  });

  it('lists, then reports every change in order', async () => {
    server.put(WIDGETS, widget('b', 'blue'));
    server.put(WIDGETS, widget('a', 'green'));
    server.setLabels(WIDGETS, 'ns', 'b', { managed: 'no' });

    await waitFor(() => events.length === 4);
    expect(events).toEqual([
      'upsert a=red',
      'upsert b=blue',
      'upsert a=green',
      'delete b',
    ]);
    expect(watcher.list().map(o => o.metadata.name)).toEqual(['a']);
    expect(watcher.isSynced).toBe(true);
  });

  it('resumes from its resourceVersion after the connection drops, losing nothing', async () => {
    server.dropWatches();
    // Changed before the watcher can reconnect.
    server.put(WIDGETS, widget('a', 'green'));
    server.put(WIDGETS, widget('c', 'black'));

    await waitFor(() => events.length === 3, { what: 'the missed events' });
    expect(events).toEqual([
      'upsert a=red',
      'upsert a=green',
      'upsert c=black',
    ]);
    expect(listRequests()).toBe(1);
    expect(watchRequests()).toBeGreaterThanOrEqual(2);
  });

  it('lists again on 410 Gone and reports what changed and what was deleted meanwhile', async () => {
    server.put(WIDGETS, widget('b', 'blue'));
    await waitFor(() => events.length === 2);
    server.dropWatches();
    server.put(WIDGETS, widget('a', 'green'));
    server.setLabels(WIDGETS, 'ns', 'b', { managed: 'no' });
    server.compact();

    await waitFor(() => events.length === 4, { what: 'the relist' });
    expect(events.slice(2).sort()).toEqual(['delete b', 'upsert a=green']);
    expect(listRequests()).toBe(2);

    server.put(WIDGETS, widget('d', 'white'));
    await waitFor(() => events.includes('upsert d=white'), {
      what: 'watching again',
    });
  });

  it('resumes from the last bookmark', async () => {
    // Moves the server's resourceVersion on without an event for this watch.
    const { metadata } = server.put(
      WIDGETS,
      widget('unmanaged', 'pink', { managed: 'no' }),
    );
    server.sendBookmarks();
    await waitFor(
      () => watcher.lastSyncResourceVersion === metadata.resourceVersion,
      {
        what: 'the bookmark',
      },
    );
    server.dropWatches();
    server.compact();
    server.put(WIDGETS, widget('a', 'green'));

    await waitFor(() => events.includes('upsert a=green'));
    expect(listRequests()).toBe(1);
  });

  it('reports missed changes on resync, and nothing else', async () => {
    server.dropWatches();
    server.deny('watch', 'widgets');
    server.put(WIDGETS, widget('a', 'green'));

    watcher.resync();

    await waitFor(() => events.includes('upsert a=green'), {
      what: 'the resync',
    });
    expect(events).toEqual(['upsert a=red', 'upsert a=green']);
    server.allow('watch', 'widgets');
    await waitFor(() => server.openWatchCount === 1, {
      what: 'the watch to come back',
    });
  });

  it('reports the deletion of every object when the type is removed, and its return', async () => {
    server.removeType(WIDGETS);

    await waitFor(() => served.length === 1, { what: 'the type to be missed' });
    expect(events).toEqual(['upsert a=red', 'delete a']);
    expect(served).toEqual([false]);

    server.addType(WIDGETS);
    server.put(WIDGETS, widget('e', 'orange'));
    watcher.resync();

    await waitFor(() => events.includes('upsert e=orange'), {
      what: 'the type to return',
    });
    expect(served).toEqual([false, true]);
  });
});
