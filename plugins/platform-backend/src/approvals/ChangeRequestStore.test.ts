import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/harness';
import {
  IdempotentChangeRequest,
  KnexChangeRequestStore,
  NewChangeRequest,
} from './ChangeRequestStore';

jest.setTimeout(60_000);

const directory = resolvePackagePath(
  '@trellis/backstage-plugin-platform-backend',
  'migrations',
);

function deleteOf(
  resourceId: string,
  overrides: Partial<NewChangeRequest> = {},
): NewChangeRequest {
  return {
    operation: 'delete',
    reasons: ['service-principal'],
    resource: {
      id: resourceId,
      name: `db-${resourceId}`,
      capability: 'memory:database',
      environment: 'production',
      owner: 'group:default/team-a',
    },
    change: {},
    baseGeneration: 3,
    requestedBy: 'plugin:mcp-actions',
    requestedByType: 'service',
    createdAt: '2026-12-02T10:00:00.000Z',
    expiresAt: '2026-12-05T10:00:00.000Z',
    ...overrides,
  };
}

const databases = createTestDatabases();
const migrations = { directory, tableName: 'platform_knex_migrations' };
const APPLY_MIGRATION = '20261203060000_change_request_apply.js';
const DROP_ON_BEHALF_OF = '20261203064000_change_request_drop_on_behalf_of.js';

/** Rolls back, newest first, until `name` is undone too. */
async function rollBackThrough(knex: Knex, name: string) {
  const done = async () =>
    (
      (await knex.migrate.list(migrations))[0] as Array<
        { name: string } | string
      >
    ).map(m => (typeof m === 'string' ? m : m.name));
  while ((await done()).includes(name)) await knex.migrate.down(migrations);
}

describe.each(databases.eachSupportedId())(
  'ChangeRequestStore on %p',
  databaseId => {
    async function migrated() {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest(migrations);
      return knex;
    }

    async function store() {
      return new KnexChangeRequestStore(await migrated());
    }

    it('numbers requests, reads them back, and lists newest first with filters', async () => {
      const s = await store();
      const a = await s.create(deleteOf('r1'));
      const b = await s.create(
        deleteOf('r2', {
          requestedBy: 'user:default/ada',
          requestedByType: 'user',
        }),
      );
      expect(a.id).toMatch(/^[0-9]+$/);
      expect(Number(b.id)).toBeGreaterThan(Number(a.id));
      expect(await s.get(a.id)).toEqual(a);
      expect(a).toMatchObject({
        status: 'pending',
        baseGeneration: 3,
        resource: { id: 'r1', environment: 'production' },
      });
      expect((await s.list({ limit: 10 })).map(c => c.id)).toEqual([
        b.id,
        a.id,
      ]);
      expect(
        (await s.list({ limit: 10, requestedBy: 'user:default/ada' })).map(
          c => c.id,
        ),
      ).toEqual([b.id]);
      expect(
        (await s.list({ limit: 10, resourceId: 'r1' })).map(c => c.id),
      ).toEqual([a.id]);
      expect(
        (await s.list({ limit: 10, beforeId: Number(b.id) })).map(c => c.id),
      ).toEqual([a.id]);
      expect(await s.get('not-a-number')).toBeUndefined();
    });

    it('holds one pending request per resource, and frees it on a decision', async () => {
      const s = await store();
      const first = await s.create(deleteOf('r1'));
      await expect(s.create(deleteOf('r1'))).rejects.toThrow(
        `pending change request ${first.id}`,
      );
      await s.decide(first.id, {
        status: 'rejected',
        decidedBy: 'user:default/ada',
        decidedAt: '2026-12-02T11:00:00.000Z',
        comment: 'no',
      });
      const second = await s.create(deleteOf('r1'));
      expect((await s.pendingFor('r1'))?.id).toBe(second.id);
    });

    it('decides once: of two approvals, one wins', async () => {
      const s = await store();
      const cr = await s.create(deleteOf('r1'));
      const decide = (who: string) =>
        s.decide(cr.id, {
          status: 'approved',
          decidedBy: who,
          decidedAt: '2026-12-02T11:00:00.000Z',
        });
      const [x, y] = await Promise.all([decide('user:a'), decide('user:b')]);
      expect([x, y].filter(Boolean)).toHaveLength(1);
      const finished = await s.finish(cr.id, {
        status: 'approved',
        resourceId: 'r1',
        appliedAt: '2026-12-02T11:00:01.000Z',
      });
      expect(finished?.status).toBe('approved');
      expect(await s.pendingFor('r1')).toBeUndefined();
    });

    it('finds overdue pending requests, and a create’s earlier request by its key', async () => {
      const s = await store();
      const due = await s.create(
        deleteOf('r1', { expiresAt: '2026-12-02T10:05:00.000Z' }),
      );
      await s.create(deleteOf('r2'));
      expect(await s.overdue('2026-12-02T10:10:00.000Z', 10)).toEqual([due.id]);

      const create: NewChangeRequest = {
        ...deleteOf('x'),
        operation: 'create',
        resource: { ...deleteOf('x').resource, id: undefined },
        idempotency: { key: 'k1', requestHash: 'h1' },
      };
      const made = await s.create(create);
      const error = await s.create(create).catch(e => e);
      expect(error).toBeInstanceOf(IdempotentChangeRequest);
      expect(error.changeRequest.id).toBe(made.id);
      expect(
        (await s.findByIdempotencyKey('plugin:mcp-actions', 'k1'))
          ?.changeRequest.id,
      ).toBe(made.id);
    });

    it('claims an unfinished approval once, and never one whose approver still holds the lease', async () => {
      const s = await store();
      const approve = async (resourceId: string, applyUntil: string) => {
        const cr = await s.create(deleteOf(resourceId));
        await s.decide(cr.id, {
          status: 'approved',
          decidedBy: 'user:default/ada',
          decidedAt: '2026-12-02T11:00:00.000Z',
          applyUntil,
        });
        return cr.id;
      };
      // The approver stopped at 11:00; its lease ran out at 11:01.
      const crashed = await approve('r1', '2026-12-02T11:01:00.000Z');
      // Another approver is still applying at 11:05.
      const live = await approve('r2', '2026-12-02T11:06:00.000Z');
      const done = await approve('r3', '2026-12-02T11:01:00.000Z');
      await s.finish(done, {
        status: 'approved',
        resourceId: 'r3',
        appliedAt: '2026-12-02T11:00:01.000Z',
      });

      const now = '2026-12-02T11:05:00.000Z';
      const lease = '2026-12-02T11:06:00.000Z';
      const [x, y] = await Promise.all([
        s.claimUnfinished(now, lease, 10),
        s.claimUnfinished(now, lease, 10),
      ]);
      expect([...x, ...y].map(c => c.id)).toEqual([crashed]);
      expect([...x, ...y][0]).toMatchObject({
        status: 'approved',
        operation: 'delete',
        resource: { id: 'r1' },
      });
      // Claimed: no one else takes it before its new lease runs out.
      expect(await s.claimUnfinished(now, lease, 10)).toEqual([]);
      // Once the live approver's lease ran out, both are recoverable.
      expect(
        (
          await s.claimUnfinished(
            '2026-12-02T11:07:00.000Z',
            '2026-12-02T11:08:00.000Z',
            10,
          )
        ).map(c => c.id),
      ).toEqual([crashed, live]);
    });

    it('the migration marks approvals finished that were, and leaves the unfinished ones to recover; it rolls back', async () => {
      const knex = await migrated();
      await rollBackThrough(knex, APPLY_MIGRATION);
      const s = new KnexChangeRequestStore(knex);
      const ids: Record<string, string> = {};
      for (const [name, resourceId] of [
        ['finishedDelete', 'r1'],
        ['unfinishedDelete', 'r2'],
        ['failed', 'r3'],
        ['rejected', 'r4'],
      ]) {
        ids[name] = (await s.create(deleteOf(resourceId))).id;
      }
      const decidedAt = '2026-12-02T11:00:00.000Z';
      const row = (id: string) =>
        knex('platform_change_requests').where({ id });
      // As the code before the migration left them.
      await row(ids.finishedDelete).update({
        status: 'approved',
        decided_at: decidedAt,
        pending_resource_id: null,
      });
      await row(ids.unfinishedDelete).update({
        status: 'approved',
        decided_at: decidedAt,
      });
      await row(ids.failed).update({
        status: 'failed',
        decided_at: decidedAt,
        pending_resource_id: null,
      });
      await row(ids.rejected).update({
        status: 'rejected',
        decided_at: decidedAt,
        pending_resource_id: null,
      });
      await knex.migrate.latest(migrations);

      const appliedAt = async (id: string) =>
        (await row(id).first('applied_at')).applied_at;
      expect(await appliedAt(ids.finishedDelete)).toBe(decidedAt);
      expect(await appliedAt(ids.failed)).toBe(decidedAt);
      expect(await appliedAt(ids.unfinishedDelete)).toBeNull();
      expect(await appliedAt(ids.rejected)).toBeNull();
      const claimed = await s.claimUnfinished(
        '2026-12-02T12:00:00.000Z',
        '2026-12-02T12:01:00.000Z',
        10,
      );
      expect(claimed.map(c => c.id)).toEqual([ids.unfinishedDelete]);

      await rollBackThrough(knex, APPLY_MIGRATION);
      expect(
        await knex.schema.hasColumn('platform_change_requests', 'applied_at'),
      ).toBe(false);
    });

    it('drops the never-filled on_behalf_of column without losing a request, and the rollback adds it back empty', async () => {
      const knex = await migrated();
      const hasOnBehalfOf = () =>
        knex.schema.hasColumn('platform_change_requests', 'on_behalf_of');
      expect(await hasOnBehalfOf()).toBe(false);

      await rollBackThrough(knex, DROP_ON_BEHALF_OF);
      expect(await hasOnBehalfOf()).toBe(true);
      const s = new KnexChangeRequestStore(knex);
      const kept = await s.create(deleteOf('r1'));
      await knex.migrate.latest(migrations);
      expect(await hasOnBehalfOf()).toBe(false);
      expect(await s.get(kept.id)).toEqual(kept);
      expect(await s.get(kept.id)).not.toHaveProperty('onBehalfOf');

      await rollBackThrough(knex, DROP_ON_BEHALF_OF);
      expect(await hasOnBehalfOf()).toBe(true);
      expect(
        await knex('platform_change_requests')
          .where({ id: kept.id })
          .first('on_behalf_of'),
      ).toEqual({ on_behalf_of: null });
    });
  },
);
