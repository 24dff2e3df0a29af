import { mockServices } from '@backstage/backend-test-utils';
import {
  PlatformClient,
  Rollout,
} from '@trellis/backstage-plugin-platform-common';
import { at, FakePlatform, lifeOf } from '../__testUtils__/FakePlatform';
import { MemoryCursors, MemorySink } from '../__testUtils__/memory';
import { PlatformHistorySource } from './PlatformHistorySource';

describe('PlatformHistorySource', () => {
  const platform = new FakePlatform();
  let baseUrl: string;
  beforeAll(async () => {
    baseUrl = await platform.listen(7156);
  });
  afterAll(() => platform.close());
  beforeEach(() => {
    platform.feed.length = 0;
    platform.rollouts = [];
    platform.tokens = [];
    platform.nextId = 1;
  });

  function source(
    sink = new MemorySink(),
    cursors = new MemoryCursors(),
    pageSize = 3,
  ) {
    const client = new PlatformClient({
      discoveryApi: { getBaseUrl: async id => `${baseUrl}/api/${id}` },
    });
    return {
      sink,
      cursors,
      source: new PlatformHistorySource({
        platform: client,
        token: async () => 'devex-service-token',
        sink,
        cursors,
        logger: mockServices.logger.mock(),
        pageSize,
      }),
    };
  }

  it("turns a resource's history into requested, picked-up, first-ready, failed and deleted facts", async () => {
    lifeOf(platform, 'orders');
    const { source: s, sink } = source();
    expect(await s.poll()).toEqual({ events: 10, facts: 6 });
    expect(platform.tokens.every(t => t === 'Bearer devex-service-token')).toBe(
      true,
    );

    const common = {
      capabilityRef: 'local:postgres',
      entityRef: 'component:default/orders',
    };
    const attributes = {
      resourceId: 'orders',
      environment: 'dev',
      engine: 'local',
      owner: 'group:default/team-a',
    };
    expect(sink.facts).toEqual([
      {
        ...common,
        sourceId: 'platform:resource/orders/requested',
        kind: 'platform.requested',
        time: at(0),
        actor: 'user:default/alice',
        attributes,
      },
      {
        ...common,
        sourceId: 'platform:resource/orders/picked-up',
        kind: 'platform.picked-up',
        time: at(4),
        value: 4,
        attributes: { ...attributes, phase: 'Provisioning' },
      },
      {
        ...common,
        sourceId: 'platform:resource/orders/ready',
        kind: 'platform.ready',
        time: at(64),
        value: 64,
        attributes,
      },
      {
        ...common,
        sourceId: 'platform:event/7',
        kind: 'platform.failed',
        time: at(200),
        attributes: {
          ...attributes,
          phaseBefore: 'Ready',
          message: 'disk quota exceeded',
          reason: 'ReconcileError',
        },
      },
      {
        ...common,
        sourceId: 'platform:resource/orders/deleted',
        kind: 'platform.deleted',
        time: at(310),
        value: 310,
        attributes,
      },
    ]);
  });

  it('continues after its durable cursor across a restart, without repeating', async () => {
    lifeOf(platform, 'orders');
    const cursors = new MemoryCursors();
    const sink = new MemorySink();
    await source(sink, cursors).source.poll();
    const writes = sink.writes;

    lifeOf(platform, 'billing');
    // A new process: only the cursor store survives.
    expect(await source(sink, cursors).source.poll()).toEqual({
      events: 10,
      // The second Ready is offered too; the sink keeps the first only.
      facts: 6,
    });
    expect(
      sink.facts.filter(f => f.attributes?.resourceId === 'billing'),
    ).toHaveLength(5);
    expect(sink.writes - writes).toBeGreaterThan(0);
    expect(await cursors.get('feed/after')).toBe('20');
    expect(await source(sink, cursors).source.poll()).toEqual({
      events: 0,
      facts: 0,
    });
  });

  it('reads a page again after a failed write instead of skipping it', async () => {
    lifeOf(platform, 'orders');
    const cursors = new MemoryCursors();
    const sink = new MemorySink();
    const failing = new MemorySink();
    let calls = 0;
    failing.write = async facts => {
      calls++;
      if (calls === 2) throw new Error('database is gone');
      return sink.write(facts);
    };
    await expect(source(failing, cursors).source.poll()).rejects.toThrow(
      'database is gone',
    );
    const stoppedAt = await cursors.get('feed/after');
    expect(stoppedAt).toBe('3');
    await source(sink, cursors).source.poll();
    expect(sink.facts.map(f => f.kind)).toEqual([
      'platform.requested',
      'platform.picked-up',
      'platform.ready',
      'platform.failed',
      'platform.deleted',
    ]);
  });

  it('records finished rollouts once, and not those still running or paused', async () => {
    const rollout = (id: string, status: Rollout['status']): Rollout => ({
      id,
      capabilityRef: 'local:postgres',
      targetVersion: '16.4',
      waveSize: 1,
      pauseSeconds: 0,
      status,
      currentWave: 2,
      waveCount: 2,
      createdBy: 'user:default/admin',
      createdAt: at(0),
      updatedAt: at(90),
      items: [
        { resourceId: 'a', wave: 0, status: 'Succeeded' },
        {
          resourceId: 'b',
          wave: 1,
          status: status === 'Failed' ? 'Failed' : 'Succeeded',
        },
      ] as Rollout['items'],
    });
    platform.rollouts = [
      rollout('r1', 'Completed'),
      rollout('r2', 'Failed'),
      rollout('r3', 'Running'),
      rollout('r4', 'Paused'),
    ];
    const { source: s, sink } = source();
    await s.pollRollouts();
    await s.pollRollouts();
    expect(sink.facts).toEqual([
      expect.objectContaining({
        sourceId: 'platform:rollout/r1/finished',
        kind: 'platform.rollout.finished',
        time: at(90),
        value: 90,
        actor: 'user:default/admin',
        attributes: expect.objectContaining({
          rolloutId: 'r1',
          status: 'completed',
          targetVersion: '16.4',
          instances: 2,
          failedInstances: 0,
        }),
      }),
      expect.objectContaining({
        sourceId: 'platform:rollout/r2/finished',
        attributes: expect.objectContaining({
          status: 'failed',
          failedInstances: 1,
        }),
      }),
    ]);
  });
});
