import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { JsonObject } from '@backstage/types';
import { platformResourceCreatePermission } from '@trellis/backstage-plugin-platform-common';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import request from 'supertest';
import {
  ALICE,
  BOB,
  engineModule,
  TEAM_A,
  TEAM_B,
  testPermissions,
} from '../__testUtils__/harness';
import platformPlugin from '../index';
import { PermissionDecisionCache } from './PermissionDecisionCache';

jest.setTimeout(60_000);

const readPermission = createPermission({
  name: 'test.read',
  attributes: { action: 'read' },
});
const resourceReadPermission = createPermission({
  name: 'test.resource.read',
  attributes: { action: 'read' },
  resourceType: 'test-resource',
});

function upstream() {
  return mockServices.permissions.mock({
    authorize: async requests =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    authorizeConditional: async requests =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
  });
}

describe('PermissionDecisionCache', () => {
  const alice = mockCredentials.user(ALICE);

  it('keeps working for credentials that travelled as JSON (scaffolder tasks)', async () => {
    // The scaffolder stores a task's initiator credentials as JSON and hands
    // them back parsed: expiresAt is then an ISO string, not a Date.
    const permissions = upstream();
    const cache = new PermissionDecisionCache(permissions, 10_000, () => 1_000);
    const travelled = JSON.parse(
      JSON.stringify({ ...alice, expiresAt: new Date(2_000_000_000_000) }),
    );
    const ask = () =>
      cache.authorize([{ permission: readPermission }], {
        credentials: travelled,
      });
    await expect(ask()).resolves.toEqual([{ result: AuthorizeResult.ALLOW }]);
    await expect(ask()).resolves.toEqual([{ result: AuthorizeResult.ALLOW }]);
    expect(permissions.authorize).toHaveBeenCalledTimes(1);
  });

  it('asks once per user and permission while the decision is fresh', async () => {
    let now = 1_000;
    const permissions = upstream();
    const cache = new PermissionDecisionCache(permissions, 10_000, () => now);
    const ask = () =>
      cache.authorize([{ permission: readPermission }], { credentials: alice });

    await expect(ask()).resolves.toEqual([{ result: AuthorizeResult.ALLOW }]);
    await ask();
    expect(permissions.authorize).toHaveBeenCalledTimes(1);

    now += 10_001;
    await ask();
    expect(permissions.authorize).toHaveBeenCalledTimes(2);
  });

  it('keeps users, tokens, permissions and kinds of question apart', async () => {
    const permissions = upstream();
    const cache = new PermissionDecisionCache(permissions, 10_000);
    const bob = mockCredentials.user(BOB);
    const aliceAgain = {
      ...alice,
      expiresAt: new Date(Date.now() + 3_600_000),
    };
    const other = createPermission({
      name: 'test.other',
      attributes: { action: 'read' },
    });
    for (const credentials of [alice, bob, aliceAgain]) {
      await cache.authorize([{ permission: readPermission }], { credentials });
    }
    await cache.authorize([{ permission: other }], { credentials: alice });
    await cache.authorizeConditional([{ permission: resourceReadPermission }], {
      credentials: alice,
    });
    expect(permissions.authorize).toHaveBeenCalledTimes(4);
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(1);
  });

  it('never keeps decisions about a named resource, for services, or when off', async () => {
    const permissions = upstream();
    const cache = new PermissionDecisionCache(permissions, 10_000);
    const off = new PermissionDecisionCache(permissions, 0);
    for (let i = 0; i < 2; i++) {
      await cache.authorize(
        [{ permission: platformResourceCreatePermission, resourceRef: 'r1' }],
        { credentials: alice },
      );
      await cache.authorize([{ permission: readPermission }], {
        credentials: mockCredentials.service('plugin:catalog'),
      });
      await off.authorize([{ permission: readPermission }], {
        credentials: alice,
      });
    }
    expect(permissions.authorize).toHaveBeenCalledTimes(6);
  });

  it('shares one question in flight and forgets a failed one', async () => {
    const permissions = upstream();
    let fail = true;
    permissions.authorize.mockImplementation(async requests => {
      await new Promise(resolve => setTimeout(resolve, 10));
      if (fail) throw new Error('permission backend unavailable');
      return requests.map(() => ({ result: AuthorizeResult.DENY }));
    });
    const cache = new PermissionDecisionCache(permissions, 10_000);
    const ask = () =>
      cache.authorize([{ permission: readPermission }], { credentials: alice });

    const both = await Promise.allSettled([ask(), ask()]);
    expect(both.map(r => r.status)).toEqual(['rejected', 'rejected']);
    expect(permissions.authorize).toHaveBeenCalledTimes(1);

    fail = false;
    await expect(ask()).resolves.toEqual([{ result: AuthorizeResult.DENY }]);
    await ask();
    expect(permissions.authorize).toHaveBeenCalledTimes(2);
  });
});

describe('the platform API with the decision cache', () => {
  const databases = TestDatabases.create({
    ids: ['SQLITE_3'],
    disableDocker: true,
  });

  async function start(config: JsonObject = {}) {
    const knex = await databases.init('SQLITE_3');
    const permissions = testPermissions();
    const engine = new InMemoryEngine({
      id: 'memory',
      capabilities: [testCapability()],
    });
    const backend = await startTestBackend({
      features: [
        platformPlugin,
        engineModule(engine),
        mockServices.database.factory({ knex }),
        permissions.factory,
        mockServices.rootConfig.factory({ data: { platform: config } }),
      ],
    });
    const create = (user: string, name: string, owner = TEAM_A) =>
      request(backend.server)
        .post('/api/platform/resources')
        .set('Authorization', mockCredentials.user.header(user))
        .send({
          capabilityRef: 'memory:database',
          name,
          environment: 'dev',
          owner,
          spec: { size: 'small' },
        });
    const createChecks = () =>
      permissions.authorizeConditional.mock.calls.filter(([requests]) =>
        requests.some(
          r => r.permission.name === platformResourceCreatePermission.name,
        ),
      ).length;
    return { backend, create, createChecks };
  }

  it("asks the policy about a user's creates once, and still decides per resource", async () => {
    const { backend, create, createChecks } = await start();
    await create(ALICE, 'orders-db').expect(201);
    await create(ALICE, 'ledger-db').expect(201);
    // The cached conditional decision still refuses another team's owner.
    await create(ALICE, 'not-mine', TEAM_B).expect(403);
    expect(createChecks()).toBe(1);

    await create(BOB, 'bobs-db', TEAM_B).expect(201);
    expect(createChecks()).toBe(2);
    await backend.stop();
  });

  it('asks every time with decisionCacheSeconds 0', async () => {
    const { backend, create, createChecks } = await start({
      permissions: { decisionCacheSeconds: 0 },
    });
    await create(ALICE, 'orders-db').expect(201);
    await create(ALICE, 'ledger-db').expect(201);
    expect(createChecks()).toBe(2);
    await backend.stop();
  });
});
