import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  DevexFact,
  IngestResult,
} from '@trellis/backstage-plugin-devex-common';
import { DevexFactWriteOptions } from '@trellis/backstage-plugin-devex-node';
import { CatalogMapper } from './CatalogMapper';
import { DeliveryIngestor } from './DeliveryIngestor';
import { DeliveryStore, migrateDeliveryStore } from './DeliveryStore';
import {
  githubClosedPullRequest,
  githubMergedPullRequest,
} from './__testUtils__/payloads';

jest.setTimeout(60_000);

const ids: TestDatabaseId[] = ['SQLITE_3'];
if (process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
  ids.push('POSTGRES_15');
}
const databases = TestDatabases.create({ ids });

const entity = (kind: string, name: string, annotations = {}): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name, namespace: 'default', annotations },
  spec: {},
});

/**
 * A fact store as the ingestor sees it: one fact per source id (a second
 * write of one is a duplicate). `failAfter` = n makes the next write keep
 * its first n facts and then fail, as a store that is lost mid-write.
 */
class FactSink {
  readonly facts = new Map<string, DevexFact>();
  readonly writes: string[][] = [];
  readonly options: (DevexFactWriteOptions | undefined)[] = [];
  failAfter?: number;

  async write(
    facts: unknown[],
    options?: DevexFactWriteOptions,
  ): Promise<IngestResult> {
    this.writes.push((facts as DevexFact[]).map(f => f.sourceId));
    this.options.push(options);
    const failAfter = this.failAfter;
    this.failAfter = undefined;
    const result: IngestResult = { accepted: 0, duplicates: 0, rejected: [] };
    for (const [i, fact] of (facts as DevexFact[]).entries()) {
      if (failAfter !== undefined && i >= failAfter) {
        throw new Error('Connection terminated unexpectedly');
      }
      if (this.facts.has(fact.sourceId)) result.duplicates++;
      else {
        this.facts.set(fact.sourceId, fact);
        result.accepted++;
      }
    }
    return result;
  }
}

const pullRequest = (number: number, id: string, login?: string) =>
  [
    githubMergedPullRequest({ number, login }),
    { 'x-github-event': 'pull_request', 'x-github-delivery': id },
  ] as const;

const sourceId = (number: number) =>
  `github:pr/Codertocat/Hello-World/${number}/merged`;

describe.each(databases.eachSupportedId())('DeliveryIngestor on %p', id => {
  async function setup(options: { lingerMs?: number } = {}) {
    const knex = await databases.init(id);
    await migrateDeliveryStore(knex);
    const store = new DeliveryStore(knex);
    const sink = new FactSink();
    const catalog = catalogServiceMock({
      entities: [
        entity('Component', 'hello-world', {
          'github.com/project-slug': 'Codertocat/Hello-World',
        }),
        entity('User', 'coder', { 'github.com/user-login': 'Codertocat' }),
      ],
    });
    const ingestor = new DeliveryIngestor(
      store,
      new CatalogMapper(catalog, mockServices.auth()),
      sink,
      mockServices.logger.mock(),
      {
        productionEnvironments: ['production'],
        incidentLabel: 'incident',
        ...options,
      },
    );
    return { store, sink, ingestor, catalog };
  }

  it('leaves deliveries pending while the catalog does not answer, and maps them once it does', async () => {
    const { store, sink, ingestor, catalog } = await setup();
    const read = catalog.getEntities.bind(catalog);
    let down = true;
    jest.spyOn(catalog, 'getEntities').mockImplementation(async (...args) => {
      if (down) throw new Error('connect ECONNREFUSED catalog');
      return read(...args);
    });
    expect(
      await ingestor.receive('github', ...pullRequest(1, 'while-down')),
    ).toBe('stored');
    // Not bad (the payload is fine), not written unmapped: pending.
    expect((await store.counts()).deliveries).toEqual({
      good: 0,
      bad: 0,
      ignored: 0,
      pending: 1,
    });
    expect(sink.facts.size).toBe(0);
    expect(await ingestor.retryPending(0)).toBe(1);
    expect((await store.counts()).deliveries.pending).toBe(1);

    down = false;
    expect(await ingestor.retryPending(0)).toBe(1);
    expect((await store.counts()).deliveries).toMatchObject({
      good: 1,
      pending: 0,
    });
    expect(sink.facts.get(sourceId(1))).toMatchObject({
      entityRef: 'component:default/hello-world',
      actor: 'user:default/coder',
    });
  });

  it('writes the good deliveries of a batch with a bad one, and keeps the bad one as bad with its error', async () => {
    const { store, sink, ingestor } = await setup();
    const broken = githubMergedPullRequest({ number: 3 });
    broken.pull_request.merged_at = 'yesterday';
    const answers = await Promise.all([
      ingestor.receive('github', ...pullRequest(1, 'good-1')),
      ingestor.receive('github', broken, {
        'x-github-event': 'pull_request',
        'x-github-delivery': 'bad',
      }),
      ingestor.receive('github', ...pullRequest(2, 'good-2', 'stranger')),
      ingestor.receive('github', ...pullRequest(4, 'good-3')),
      ingestor.receive('github', githubClosedPullRequest(), {
        'x-github-event': 'pull_request',
        'x-github-delivery': 'ignored',
      }),
    ]);
    expect(answers).toEqual(['stored', 'stored', 'stored', 'stored', 'stored']);
    // One batch: one fact write with the three good deliveries' facts,
    // recoverable (their raw rows are committed and still pending).
    expect(sink.writes).toEqual([[sourceId(1), sourceId(2), sourceId(4)]]);
    expect(sink.options).toEqual([{ recoverable: true }]);
    expect(sink.facts.get(sourceId(1))?.actor).toBe('user:default/coder');
    expect(sink.facts.get(sourceId(2))?.actor).toBeUndefined();
    const view = await store.counts();
    expect(view.deliveries).toEqual({
      good: 3,
      bad: 1,
      ignored: 1,
      pending: 0,
    });
    expect(view.unmappedUsers).toEqual([
      { login: 'github:stranger', deliveries: 1 },
    ]);
    expect(view.recentErrors).toEqual([
      expect.objectContaining({
        id: 'github:bad',
        error: 'pull_request.merged_at: is not a date: yesterday',
      }),
    ]);
    // Nothing is left for the retry task.
    expect(await ingestor.retryPending(0)).toBe(0);
  });

  it('leaves the whole batch pending when the fact store fails mid-write, and the retry writes each fact once', async () => {
    const { store, sink, ingestor } = await setup();
    sink.failAfter = 2;
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map(n =>
        ingestor.receive('github', ...pullRequest(n, `d-${n}`)),
      ),
    );
    // Stored raw: acknowledged, although their facts are not all written.
    expect(answers).toEqual(['stored', 'stored', 'stored', 'stored', 'stored']);
    expect(sink.facts.size).toBe(2);
    expect((await store.counts()).deliveries).toEqual({
      good: 0,
      bad: 0,
      ignored: 0,
      pending: 5,
    });
    // GitHub delivers one again meanwhile: still the one delivery.
    expect(await ingestor.receive('github', ...pullRequest(3, 'd-3'))).toBe(
      'duplicate',
    );

    expect(await ingestor.retryPending(0)).toBe(5);
    expect([...sink.facts.keys()].sort()).toEqual(
      [1, 2, 3, 4, 5].map(sourceId),
    );
    // The retry wrote the batch again in one go; the two facts kept from
    // the failed write were duplicates there, not second facts.
    expect(sink.writes).toHaveLength(2);
    expect(sink.writes[1].sort()).toEqual([1, 2, 3, 4, 5].map(sourceId));
    expect((await store.counts()).deliveries).toEqual({
      good: 5,
      bad: 0,
      ignored: 0,
      pending: 0,
    });
    expect(await ingestor.retryPending(0)).toBe(0);
    expect(sink.writes).toHaveLength(2);
  });

  it('under load, waits for the senders of the last batch to write them together again', async () => {
    const { sink, ingestor } = await setup({ lingerMs: 5_000 });
    // Four at once: one batch (nobody was expected, so nothing waited).
    await Promise.all(
      [1, 2, 3, 4].map(n =>
        ingestor.receive('github', ...pullRequest(n, `first-${n}`)),
      ),
    );
    // The four send again, 20 ms apart: one batch, written once the fourth
    // is there rather than after the 5 s wait.
    const started = Date.now();
    const again: Promise<string>[] = [];
    for (const n of [5, 6, 7, 8]) {
      again.push(ingestor.receive('github', ...pullRequest(n, `again-${n}`)));
      await new Promise(r => setTimeout(r, 20));
    }
    expect(await Promise.all(again)).toEqual([
      'stored',
      'stored',
      'stored',
      'stored',
    ]);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(sink.writes).toEqual([
      [1, 2, 3, 4].map(sourceId),
      [5, 6, 7, 8].map(sourceId),
    ]);
  });

  it('refuses a delivery whose raw row could not be stored, and counts it once when it comes again', async () => {
    const { store, sink, ingestor } = await setup();
    const insertMany = store.insertMany.bind(store);
    const spy = jest
      .spyOn(store, 'insertMany')
      .mockRejectedValueOnce(new Error('database is locked'));
    // Not stored: the sender is not acknowledged, and retries.
    await expect(
      ingestor.receive('github', ...pullRequest(2, 'b')),
    ).rejects.toThrow('database is locked');
    expect(sink.writes).toEqual([]);
    spy.mockImplementation(insertMany);
    expect(await ingestor.receive('github', ...pullRequest(2, 'b'))).toBe(
      'stored',
    );
    expect(sink.facts.size).toBe(1);
    expect((await store.counts()).deliveries).toEqual({
      good: 1,
      bad: 0,
      ignored: 0,
      pending: 0,
    });
  });
});
