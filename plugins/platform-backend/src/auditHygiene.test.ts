import {
  coreServices,
  createServiceFactory,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import request from 'supertest';
import platformPlugin from './index';
import {
  ALICE,
  BOB,
  engineModule,
  eventually,
  TEAM_A,
  testDatabaseIds,
  testPermissions,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = TestDatabases.create({
  ids: testDatabaseIds(),
  disableDocker: true,
});

const as = (user: string) => ({
  Authorization: mockCredentials.user.header(user),
});

interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta?: any;
  fields: Record<string, unknown>;
}

/** A logger that keeps every entry with the fields of its children. */
function capturingLogger(
  entries: LogEntry[],
  fields: Record<string, unknown> = {},
): LoggerService {
  const at =
    (level: LogEntry['level']) =>
    (message: string, meta?: Error | Record<string, unknown>) => {
      entries.push({ level, message, meta, fields });
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: more => capturingLogger(entries, { ...fields, ...more }),
  };
}

describe.each(databases.eachSupportedId())(
  'audit events of failed changes on %p',
  databaseId => {
    it('keep the error name and message, and the stack only at debug level', async () => {
      const knex = await databases.init(databaseId);
      const engine = new InMemoryEngine({
        id: 'memory',
        capabilities: [testCapability()],
      });
      const entries: LogEntry[] = [];
      const { server } = await startTestBackend({
        features: [
          platformPlugin,
          engineModule(engine),
          mockServices.database.factory({ knex }),
          testPermissions().factory,
          // Backstage's own auditor, writing to the plugin's logger.
          mockServices.auditor.factory(),
          createServiceFactory({
            service: coreServices.logger,
            deps: { plugin: coreServices.pluginMetadata },
            factory: ({ plugin }) =>
              capturingLogger(entries, { plugin: plugin.getId() }),
          }),
        ],
      });

      const created = await request(server)
        .post('/api/platform/resources')
        .set(as(ALICE))
        .send({
          capabilityRef: 'memory:database',
          name: 'orders-db',
          environment: 'dev',
          owner: TEAM_A,
          spec: { size: 'small' },
        });
      expect(created.status).toBe(201);
      const id = created.body.id;
      await eventually(() => engine.applyCount(id) === 1, 'apply');

      const refused = await request(server)
        .patch(`/api/platform/resources/${id}`)
        .set(as(BOB))
        .send({ spec: { size: 'large' }, generation: 1 });
      expect(refused.status).toBe(403);

      const failed = entries.filter(
        e =>
          e.fields.isAuditEvent &&
          e.fields.eventId === 'resource-update' &&
          e.fields.status === 'failed',
      );
      expect(failed).toHaveLength(1);
      const [event] = failed;
      expect(event.level).not.toBe('debug');
      expect(event.meta).toMatchObject({
        name: 'NotAllowedError',
        message: 'You may not update resource orders-db',
      });
      // What the audit log keeps: no stack, and nothing that carries one.
      expect(event.meta.stack).toBeUndefined();
      expect(JSON.stringify(event.meta)).not.toMatch(/\n\s+at /);
      expect(JSON.stringify(event.fields)).not.toMatch(/\n\s+at /);

      // The stack is still there for whoever debugs, at debug level only.
      const stacks = entries.filter(e =>
        String(e.meta?.stack ?? '').includes('You may not update'),
      );
      expect(stacks.length).toBeGreaterThan(0);
      expect(stacks.every(e => e.level === 'debug')).toBe(true);
      expect(stacks.every(e => !e.fields.isAuditEvent)).toBe(true);
    });
  },
);
