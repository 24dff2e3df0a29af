import { resolvePackagePath } from '@backstage/backend-plugin-api';
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

describe.each(databases.eachSupportedId())(
  'ChangeRequestStore on %p',
  databaseId => {
    async function store() {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory,
        tableName: 'platform_knex_migrations',
      });
      return new KnexChangeRequestStore(knex);
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
  },
);
