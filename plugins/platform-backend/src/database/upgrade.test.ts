import { TestDatabases } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Knex } from 'knex';
import { testDatabaseIds } from '../__testUtils__/harness';
import { openPlatformStores } from './PlatformStores';

/**
 * Upgrades of Trellis itself. The first release with migrations (commit
 * 0807cb6) shipped only `20261121120000_init.js`, unchanged since: a database
 * it created is that migration plus the rows its store wrote. Every later
 * migration must apply on top of such a database without losing a row, and
 * every migration must roll back.
 */
jest.setTimeout(60_000);

const databases = TestDatabases.create({
  ids: testDatabaseIds(),
  disableDocker: true,
});

const directory = resolvePackagePath(
  '@trellis/backstage-plugin-platform-backend',
  'migrations',
);
const tableName = 'platform_knex_migrations';
const FIRST_RELEASE = '20261121120000_init.js';
/** `git show 0807cb6:plugins/platform-backend/migrations/20261121120000_init.js | sha256sum` */
const FIRST_RELEASE_SHA256 =
  'd79395d6d3a7d78c32f01b1bac7b089336528e46342bfea647ad76857ecba7d1';
const TABLES = [
  'platform_capabilities',
  'platform_resources',
  'platform_resource_events',
  'platform_idempotency_keys',
  'platform_rollouts',
  'platform_rollout_items',
];

/** Rows as the first release's store wrote them: one Ready, one still owed to its engine. */
async function seedFirstRelease(knex: Knex) {
  const at = '2026-11-21T16:00:00.000Z';
  const base = {
    capability_ref: 'local:database',
    engine_id: 'local',
    environment: 'dev',
    owner: 'group:default/team-storefront',
    requested_by: 'user:default/guest',
    component_ref: 'component:default/orders',
    spec: JSON.stringify({ size: 'small' }),
    generation: 1,
    conditions: '[]',
    outputs: '{}',
    desired_version: '1.0.0',
    created_at: at,
    updated_at: at,
    dispatch_attempts: 0,
  };
  await knex('platform_resources').insert([
    {
      ...base,
      id: 'r-ready',
      name: 'orders-db',
      observed_generation: 1,
      phase: 'Ready',
      outputs: JSON.stringify({ host: 'orders-db.local' }),
      applied_version: '1.0.0',
      engine_ref: JSON.stringify({ engine: 'local', id: 'orders-db' }),
      ready_at: at,
      search_text: 'orders-db local:database team-storefront orders',
    },
    {
      ...base,
      id: 'r-pending',
      name: 'ledger-db',
      observed_generation: 0,
      phase: 'Pending',
      dispatch_action: 'apply',
      dispatch_generation: 1,
      dispatch_next_at: at,
      search_text: 'ledger-db local:database team-storefront orders',
    },
  ]);
  await knex('platform_resource_events').insert([
    {
      resource_id: 'r-ready',
      type: 'requested',
      at,
      actor: 'user:default/guest',
      to_phase: 'Pending',
      generation: 1,
      data: JSON.stringify({ spec: { size: 'small' }, version: '1.0.0' }),
    },
    {
      resource_id: 'r-ready',
      type: 'phase-changed',
      at,
      from_phase: 'Pending',
      to_phase: 'Ready',
      generation: 1,
    },
    {
      resource_id: 'r-pending',
      type: 'requested',
      at,
      actor: 'user:default/guest',
      to_phase: 'Pending',
      generation: 1,
      data: JSON.stringify({ spec: { size: 'small' }, version: '1.0.0' }),
    },
  ]);
  await knex('platform_idempotency_keys').insert({
    principal: 'user:default/guest',
    key: 'task-1/database',
    request_hash: 'abc',
    resource_id: 'r-pending',
    created_at: at,
  });
}

async function tableExists(knex: Knex, table: string) {
  return knex.schema.hasTable(table);
}

describe.each(databases.eachSupportedId())(
  'upgrading the platform database on %p',
  databaseId => {
    it('has an init migration that is still the first release’s', () => {
      // If this fails, the init migration was edited: databases created by the
      // first release would then differ from fresh ones. Add a new migration
      // instead of changing a released one.
      const files = fs.readdirSync(directory).filter(f => f.endsWith('.js'));
      expect(files.sort()[0]).toBe(FIRST_RELEASE);
      const released = fs.readFileSync(path.join(directory, FIRST_RELEASE));
      expect(createHash('sha256').update(released).digest('hex')).toBe(
        FIRST_RELEASE_SHA256,
      );
    });

    it('upgrades a first-release database to this release without losing a row', async () => {
      const knex = await databases.init(databaseId);
      await knex.migrate.up({ directory, tableName, name: FIRST_RELEASE });
      await seedFirstRelease(knex);

      // This release's store runs every later migration on start.
      const store = await openPlatformStores({ getClient: async () => knex });
      const [, pendingNames] = await knex.migrate.list({
        directory,
        tableName,
      });
      expect(pendingNames).toEqual([]);

      const ready = await store.resources.get('r-ready');
      expect(ready).toMatchObject({
        id: 'r-ready',
        name: 'orders-db',
        status: { phase: 'Ready' },
        generation: 1,
        outputs: { host: 'orders-db.local' },
        component: 'component:default/orders',
      });
      expect(
        (await store.history.listEvents('r-ready')).map(e => e.type),
      ).toEqual(['requested', 'phase-changed']);

      // Free-text search, whose index later migrations added, finds old rows.
      const found = await store.resources.list({ text: 'ledger' });
      expect(found.items.map(r => r.id)).toEqual(['r-pending']);

      // The request the first release accepted but never dispatched is still owed.
      const pending = await store.resources.get('r-pending');
      expect(pending?.status.phase).toBe('Pending');
      const owed = await knex('platform_resources')
        .where({ id: 'r-pending' })
        .first();
      expect(owed).toMatchObject({
        dispatch_action: 'apply',
        dispatch_state: 'scheduled',
      });
      expect(pending?.pending).toMatchObject({
        action: 'apply',
        state: 'queued',
      });
      expect(
        await store.idempotencyKeys.find(
          'user:default/guest',
          'task-1/database',
        ),
      ).toMatchObject({ resourceId: 'r-pending' });
      // And the dispatcher claims it.
      const claims = await store.outbox.claim({
        claimant: 'upgraded',
        limit: 10,
        leaseMs: 60_000,
      });
      expect(claims.map(c => c.resource.id)).toEqual(['r-pending']);
    });

    it('rolls every migration back, and applies them again', async () => {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({ directory, tableName });
      for (const table of TABLES) {
        expect(await tableExists(knex, table)).toBe(true);
      }

      await knex.migrate.rollback({ directory, tableName }, true);
      for (const table of TABLES) {
        expect(await tableExists(knex, table)).toBe(false);
      }
      const [done] = await knex.migrate.list({ directory, tableName });
      expect(done).toEqual([]);

      await knex.migrate.latest({ directory, tableName });
      await seedFirstRelease(knex);
      const store = await openPlatformStores({ getClient: async () => knex });
      expect((await store.resources.get('r-ready'))?.status.phase).toBe(
        'Ready',
      );
    });

    it('steps down one migration at a time from this release to the first', async () => {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({ directory, tableName });
      await seedFirstRelease(knex);
      for (;;) {
        const [done] = await knex.migrate.list({ directory, tableName });
        if (done.length <= 1) break;
        await knex.migrate.down({ directory, tableName });
      }
      // Back at the first release's schema, with its rows intact.
      const rows = await knex('platform_resources').orderBy('id');
      expect(rows.map((r: { id: string }) => r.id)).toEqual([
        'r-pending',
        'r-ready',
      ]);
    });
  },
);

describe.each(databases.eachSupportedId())(
  'the explicit dispatch state (20261202110000) on %p',
  databaseId => {
    const STATE = '20261202110000_dispatch_state.js';
    const BEFORE = '20261202043000_dispatch_due_index.js';

    /** The outbox as the release before the state column left it. */
    async function seedBeforeState(knex: Knex) {
      await seedFirstRelease(knex);
      const owed = {
        dispatch_action: 'apply',
        dispatch_generation: 1,
        dispatch_attempts: 1,
        dispatch_error: 'no token',
      };
      // Parked for credentials: owed work without a time to run at.
      await knex('platform_resources')
        .where({ id: 'r-ready' })
        .update({ ...owed, dispatch_next_at: null });
    }

    it('says which owed work awaits credentials, and which is scheduled', async () => {
      const knex = await databases.init(databaseId);
      await knex.migrate.up({ directory, tableName, name: FIRST_RELEASE });
      while (
        !(await knex.migrate.list({ directory, tableName }))[0].some(
          (m: { name: string } | string) =>
            (typeof m === 'string' ? m : m.name) === BEFORE,
        )
      ) {
        await knex.migrate.up({ directory, tableName });
      }
      await seedBeforeState(knex);

      const store = await openPlatformStores({ getClient: async () => knex });
      const states = await knex('platform_resources')
        .orderBy('id')
        .select('id', 'dispatch_state');
      expect(states).toEqual([
        { id: 'r-pending', dispatch_state: 'scheduled' },
        { id: 'r-ready', dispatch_state: 'awaiting-credentials' },
      ]);
      expect((await store.resources.get('r-ready'))?.pending).toMatchObject({
        state: 'awaiting-credentials',
        message: 'no token',
      });
      // Parked work is not claimed; a retry schedules it again.
      const claim = () =>
        store.outbox.claim({ claimant: 'a', limit: 10, leaseMs: 60_000 });
      expect((await claim()).map(c => c.resource.id)).toEqual(['r-pending']);
      expect(await store.outbox.retryNow('r-ready')).toBe(true);
      expect((await claim()).map(c => c.resource.id)).toEqual(['r-ready']);
    });

    it('rolls back to parked work as a missing time, and forward again', async () => {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({ directory, tableName });
      await seedFirstRelease(knex);
      await knex('platform_resources').where({ id: 'r-ready' }).update({
        dispatch_action: 'apply',
        dispatch_state: 'awaiting-credentials',
        dispatch_generation: 1,
        dispatch_next_at: null,
      });
      while (
        (await knex.migrate.currentVersion({ directory, tableName })) >=
        STATE.slice(0, 14)
      ) {
        await knex.migrate.down({ directory, tableName });
      }
      const columns = await knex('platform_resources').columnInfo();
      expect(columns).not.toHaveProperty('dispatch_state');
      const parked = await knex('platform_resources')
        .where({ id: 'r-ready' })
        .first();
      expect(parked).toMatchObject({
        dispatch_action: 'apply',
        dispatch_next_at: null,
      });

      await knex.migrate.latest({ directory, tableName });
      expect(
        await knex('platform_resources').orderBy('id').pluck('dispatch_state'),
      ).toEqual(['scheduled', 'awaiting-credentials']);
    });
  },
);
