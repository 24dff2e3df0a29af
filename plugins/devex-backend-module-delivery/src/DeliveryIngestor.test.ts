import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  DevexFact,
  IngestResult,
} from '@trellis/backstage-plugin-devex-common';
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

/**
 * A fact store as the ingestor sees it: facts unique by source id (a second
 * write of one is a duplicate), and unreachable while `down` is set.
 */
class FactSink {
  readonly facts = new Map<string, DevexFact>();
  down = false;

  async write(facts: unknown[]): Promise<IngestResult> {
    if (this.down) throw new Error('connect ECONNREFUSED');
    const result: IngestResult = { accepted: 0, duplicates: 0, rejected: [] };
    for (const fact of facts as DevexFact[]) {
      if (this.facts.has(fact.sourceId)) result.duplicates++;
      else {
        this.facts.set(fact.sourceId, fact);
        result.accepted++;
      }
    }
    return result;
  }
}

const pullRequest = (number: number, id: string) =>
  [
    githubMergedPullRequest({ number }),
    { 'x-github-event': 'pull_request', 'x-github-delivery': id },
  ] as const;

describe.each(databases.eachSupportedId())('DeliveryIngestor on %p', id => {
  async function setup() {
    const knex = await databases.init(id);
    await migrateDeliveryStore(knex);
    const store = new DeliveryStore(knex);
    const sink = new FactSink();
    const ingestor = new DeliveryIngestor(
      store,
      new CatalogMapper(
        catalogServiceMock({ entities: [] }),
        mockServices.auth(),
      ),
      sink,
      mockServices.logger.mock(),
      { productionEnvironments: ['production'], incidentLabel: 'incident' },
    );
    return { store, sink, ingestor };
  }

  it('acknowledges a delivery whose facts could not be written as pending, and writes them on retry', async () => {
    const { store, sink, ingestor } = await setup();
    sink.down = true;
    expect(await ingestor.receive('github', ...pullRequest(1, 'a'))).toBe(
      'stored',
    );
    expect(sink.facts.size).toBe(0);
    expect((await store.counts()).deliveries).toEqual({
      good: 0,
      bad: 0,
      ignored: 0,
      pending: 1,
    });
    // Delivered again while pending: still the one delivery.
    expect(await ingestor.receive('github', ...pullRequest(1, 'a'))).toBe(
      'duplicate',
    );

    sink.down = false;
    expect(await ingestor.retryPending(0)).toBe(1);
    expect([...sink.facts.keys()]).toEqual([
      'github:pr/Codertocat/Hello-World/1/merged',
    ]);
    expect(await store.counts()).toMatchObject({
      deliveries: { good: 1, bad: 0, ignored: 0, pending: 0 },
      unmappedRepos: [{ repo: 'github:Codertocat/Hello-World', deliveries: 1 }],
    });
  });

  it('refuses a delivery whose raw row could not be stored, and counts its facts once when it comes again', async () => {
    const { store, sink, ingestor } = await setup();
    const insertMany = store.insertMany.bind(store);
    const spy = jest
      .spyOn(store, 'insertMany')
      .mockRejectedValueOnce(new Error('database is locked'));
    // The sender is not acknowledged: it retries (by hand, on GitHub).
    await expect(
      ingestor.receive('github', ...pullRequest(2, 'b')),
    ).rejects.toThrow('database is locked');
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

  it('stores ignored and bad payloads with their outcome at once, and good ones once their facts are written', async () => {
    const { store, sink, ingestor } = await setup();
    const broken = githubMergedPullRequest({ number: 3 });
    broken.pull_request.merged_at = 'yesterday';
    const answers = await Promise.all([
      ingestor.receive('github', ...pullRequest(4, 'good')),
      ingestor.receive('github', broken, {
        'x-github-event': 'pull_request',
        'x-github-delivery': 'bad',
      }),
      ingestor.receive('github', githubClosedPullRequest(), {
        'x-github-event': 'pull_request',
        'x-github-delivery': 'ignored',
      }),
    ]);
    expect(answers).toEqual(['stored', 'stored', 'stored']);
    expect(sink.facts.size).toBe(1);
    const view = await store.counts();
    expect(view.deliveries).toEqual({
      good: 1,
      bad: 1,
      ignored: 1,
      pending: 0,
    });
    expect(view.recentErrors).toEqual([
      expect.objectContaining({
        id: 'github:bad',
        error: 'pull_request.merged_at: is not a date: yesterday',
      }),
    ]);
    // Nothing is left for the retry task.
    expect(await ingestor.retryPending(0)).toBe(0);
  });
});
