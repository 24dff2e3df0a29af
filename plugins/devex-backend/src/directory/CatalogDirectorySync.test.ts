import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTestStore, testDatabaseIds } from '../__testUtils__/testStore';
import { CatalogDirectorySync } from './CatalogDirectorySync';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

const user = (name: string, team?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { namespace: 'default', name },
  spec: {},
  relations: team
    ? [{ type: 'memberOf', targetRef: `group:default/${team}` }]
    : [],
});
const group = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { namespace: 'default', name },
  spec: { type: 'team', children: [] },
});

/** A catalog whose entities the test changes between reads, as one filling after a start. */
function fillingCatalog() {
  let entities: Entity[] = [];
  const catalog = {
    getEntities: async (request: { filter: { kind: string } }) => ({
      items: entities.filter(e => e.kind === request.filter.kind),
    }),
  } as unknown as CatalogService;
  return { catalog, set: (next: Entity[]) => (entities = next) };
}

describe.each(databases.eachSupportedId())(
  'CatalogDirectorySync on %p',
  databaseId => {
    it('syncs again while the catalog fills after a start, and stops once a sync changes nothing', async () => {
      const { directory } = await createTestStore(
        await databases.init(databaseId),
      );
      const { catalog, set } = fillingCatalog();
      const sync = new CatalogDirectorySync(
        catalog,
        mockServices.auth(),
        directory,
        mockServices.logger.mock(),
      );
      const read = jest.spyOn(catalog, 'getEntities');

      // Read before the catalog has anything: not settled, no teams.
      expect(await sync.settle()).toBe(false);
      expect((await directory.teams()).size).toBe(0);

      // The groups and some users arrive; then the rest of the members.
      set([group('team-search'), user('ada', 'team-search')]);
      expect(await sync.settle()).toBe(false);
      set([
        group('team-search'),
        user('ada', 'team-search'),
        user('grace', 'team-search'),
        user('linus', 'team-search'),
      ]);
      expect(await sync.settle()).toBe(false);
      expect(
        (await directory.teams()).get('group:default/team-search')?.members,
      ).toBe(3);

      // Nothing changed since the last read: settled, and no more reads.
      expect(await sync.settle()).toBe(true);
      const reads = read.mock.calls.length;
      expect(await sync.settle()).toBe(true);
      expect(read.mock.calls.length).toBe(reads);
    });
  },
);
