import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  createTestStore,
  org,
  testDatabaseIds,
} from '../__testUtils__/testStore';
import { DEMO_DAYS, DemoHistory } from './DemoHistory';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

describe.each(databases.eachSupportedId())('DemoHistory on %p', databaseId => {
  it('writes a valid 90-day history once, however often it runs', async () => {
    const { store, directory, metrics } = await createTestStore(
      await databases.init(databaseId),
      { minGroupSize: 1 },
    );
    await directory.sync(
      org({ payments: ['ada', 'grace'], storefront: ['guest'] }),
    );
    const sink = (source: string) => ({
      write: (facts: unknown[]) => store.write(source, facts),
    });
    const logger = mockServices.logger.mock();
    const demo = new DemoHistory(
      {
        analytics: sink('analytics'),
        scaffolder: sink('scaffolder'),
        platform: sink('platform'),
        delivery: sink('delivery'),
      },
      logger,
    );
    const users = await directory.currentMembers();
    const now = new Date();
    const first = await demo.fill(users, now);
    expect(first).toBeGreaterThan(300);
    // The next start re-delivers the same facts: nothing new.
    expect(await demo.fill(users, now)).toBe(0);
    // The store took every fact (the delivery ones as the module makes them).
    expect(logger.warn).not.toHaveBeenCalled();

    const to = now.toISOString().slice(0, 10);
    const from = new Date(now.getTime() - (DEMO_DAYS - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const adoption = await metrics.adoption({ from, to });
    expect(adoption.totals.activeUsers).toBe(3);
    expect(adoption.byTeam.map(t => t.team)).toEqual([
      'group:default/payments',
      'group:default/storefront',
    ]);
    const golden = await metrics.goldenPaths({ from, to });
    expect(golden.totals.runs).toBeGreaterThan(10);
    expect(golden.templates.map(t => t.templateRef).sort()).toEqual([
      'template:default/add-database',
      'template:default/node-service-with-database',
    ]);
    const platform = await metrics.serviceLevels({ from, to });
    expect(platform.totals.requests).toBeGreaterThan(10);
    expect(platform.totals.timeToReadyP50Seconds).not.toBeNull();
  });
});
