import {
  createBackendModule,
  BackstageCredentials,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  Permission,
  PolicyDecision,
  isResourcePermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  platformCapabilityReconcilePermission,
  platformProductionChangePermission,
  platformResourceApprovePermission,
  platformResourceChangeWithoutApprovalPermission,
  platformRolloutCreatePermission,
} from '@trellis/backstage-plugin-platform-common';
import {
  createPlatformResourceConditionalDecision,
  platformEnginesExtensionPoint,
  platformResourceConditions,
  PlatformEngine,
} from '@trellis/backstage-plugin-platform-node';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { Knex } from 'knex';
import platformPlugin from '../index';

/** SQLite always; PostgreSQL when a connection string is configured. */
export function testDatabaseIds(): TestDatabaseId[] {
  const ids: TestDatabaseId[] = ['SQLITE_3'];
  for (const version of [18, 17, 16, 15, 14, 13]) {
    if (
      process.env[
        `BACKSTAGE_TEST_DATABASE_POSTGRES${version}_CONNECTION_STRING`
      ]
    ) {
      ids.push(`POSTGRES_${version}` as TestDatabaseId);
      break;
    }
  }
  return ids;
}

export const ALICE = 'user:default/alice'; // member of team-a
export const BOB = 'user:default/bob'; // member of team-b
export const ADMIN = 'user:default/admin'; // platform team
export const TEAM_A = 'group:default/team-a';
export const TEAM_B = 'group:default/team-b';

const MEMBERSHIP: Record<string, string[]> = {
  [ALICE]: [ALICE, TEAM_A],
  [BOB]: [BOB, TEAM_B],
  [ADMIN]: [ADMIN, 'group:default/platform-team'],
};

/**
 * A permission service with the policy Trellis ships by default: everyone
 * reads, owners manage their resources, production changes, rollouts and
 * reconciles need the platform team. `readOnlyOwn` makes reads conditional too, to exercise
 * SQL filtering of lists. `denied` names permissions nobody is granted, to
 * show which permission an endpoint checks.
 */
export function testPermissions(
  options: {
    readOnlyOwn?: boolean;
    denied?: string[];
    /** Production updates and deletes need approval (policy rule). */
    productionApprovals?: boolean;
  } = {},
) {
  const decide = (
    permission: Permission,
    credentials: BackstageCredentials,
  ): PolicyDecision => {
    const principal = credentials.principal as {
      type: string;
      userEntityRef?: string;
    };
    // As Backstage's permissions service: services are allowed without
    // asking the policy (which is why the platform's approval rules, not the
    // policy, stop an agent's change).
    if (principal.type === 'service') return { result: AuthorizeResult.ALLOW };
    const user = principal.userEntityRef ?? '';
    const claims = MEMBERSHIP[user] ?? [user];
    const admin = user === ADMIN;
    if (options.denied?.includes(permission.name)) {
      return { result: AuthorizeResult.DENY };
    }
    if (
      permission.name === platformRolloutCreatePermission.name ||
      permission.name === platformCapabilityReconcilePermission.name
    ) {
      return { result: admin ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
    }
    if (
      permission.name === platformProductionChangePermission.name ||
      permission.name === platformResourceApprovePermission.name
    ) {
      return { result: admin ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
    }
    if (
      permission.name === platformResourceChangeWithoutApprovalPermission.name
    ) {
      // As Trellis' policy with `trellis.permissions.approvals.production`:
      // production changes need approval, everything else does not.
      if (!options.productionApprovals)
        return { result: AuthorizeResult.ALLOW };
      return createPlatformResourceConditionalDecision(
        permission as ResourcePermission<'platform-resource'>,
        {
          not: platformResourceConditions.isResourceEnvironment({
            environments: ['production'],
          }),
        },
      );
    }
    if (!isResourcePermission(permission, 'platform-resource')) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (permission.attributes.action === 'read' && !options.readOnlyOwn) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (admin) return { result: AuthorizeResult.ALLOW };
    return createPlatformResourceConditionalDecision(
      permission as ResourcePermission<'platform-resource'>,
      platformResourceConditions.isResourceOwner({ claims }),
    );
  };
  return mockServices.permissions.mock({
    authorize: async (requests, { credentials }) =>
      requests.map(r => {
        const decision = decide(r.permission, credentials);
        return {
          result:
            decision.result === AuthorizeResult.CONDITIONAL
              ? AuthorizeResult.DENY
              : decision.result,
        };
      }),
    authorizeConditional: async (requests, { credentials }) =>
      requests.map(r => decide(r.permission, credentials)) as any,
  });
}

/** A backend module that registers the given engines. */
export function engineModule(...engines: PlatformEngine[]) {
  return createBackendModule({
    pluginId: 'platform',
    moduleId: `test-engines-${engines.map(e => e.id).join('-')}`,
    register(reg) {
      reg.registerInit({
        deps: { extension: platformEnginesExtensionPoint },
        async init({ extension }) {
          for (const engine of engines) extension.addEngine(engine);
        },
      });
    },
  });
}

/** Starts the platform plugin with an engine on a test database. */
export async function startPlatform(options: {
  knex: Knex;
  engines: PlatformEngine[];
  config?: Record<string, unknown>;
  readOnlyOwn?: boolean;
  /** Permission names nobody is granted (see testPermissions). */
  denied?: string[];
  /** Production updates and deletes need approval, as in Trellis' policy. */
  productionApprovals?: boolean;
  extraFeatures?: Array<
    Parameters<typeof startTestBackend>[0]['features'] extends
      | Array<infer F>
      | undefined
      ? F
      : never
  >;
}) {
  // The mock scheduler runs tasks only when a test triggers them.
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
  };
  const auditor = mockServices.auditor.mock();
  const backend = await startTestBackend({
    features: [
      platformPlugin,
      engineModule(...options.engines),
      mockServices.database.factory({ knex: options.knex }),
      testPermissions({
        readOnlyOwn: options.readOnlyOwn,
        denied: options.denied,
        productionApprovals: options.productionApprovals,
      }).factory,
      scheduler.factory({ skipTaskRunOnStartup: true }),
      auditor.factory,
      mockServices.rootConfig.factory({
        data: {
          platform: {
            ...(options.config ?? {}),
            // A test's dispatch settings are merged into the fast defaults,
            // not put in their place (a lease alone kept the slow retries).
            dispatch: {
              retryBaseSeconds: 0.05,
              retryMaxSeconds: 0.2,
              leaseSeconds: 1,
              ...((options.config?.dispatch as object | undefined) ?? {}),
            },
          },
        },
      }),
      ...(options.extraFeatures ?? []),
    ],
  });
  return {
    server: backend.server,
    backend,
    scheduler,
    auditor,
    /** Runs a scheduled task now, as the scheduler would. */
    runTask: (
      id:
        | 'platform-dispatch'
        | 'platform-resync'
        | 'platform-rollouts'
        | 'platform-approvals-expire',
    ) => scheduler.triggerTask(id),
  };
}

/** Polls until `check` returns a value (bounded; no timing assertions). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what = 'condition',
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}${last ? `: ${last}` : ''}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}

/** Test databases: SQLite, and PostgreSQL when configured; never Docker. */
export function createTestDatabases(): TestDatabases {
  return TestDatabases.create({ ids: testDatabaseIds(), disableDocker: true });
}

/** The headers of a request that `user` makes. */
export function asUser(user: string): { Authorization: string } {
  return { Authorization: mockCredentials.user.header(user) };
}

/**
 * The headers of an agent with its own (static) token: a service principal
 * acting for nobody, so every change it makes waits for a person.
 */
export const AGENT = {
  Authorization: mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('external:copilot-agent'),
    targetPluginId: 'platform',
  }),
};

/**
 * An in-memory engine `memory` offering `memory:database` (the test
 * capability) and whatever `options.capabilities` replaces it with.
 */
export function memoryEngine(
  options: ConstructorParameters<typeof InMemoryEngine>[0] = {},
): InMemoryEngine {
  return new InMemoryEngine({
    id: 'memory',
    capabilities: [testCapability()],
    ...options,
  });
}

/**
 * Starts the platform plugin with `engine` on a fresh database of
 * `databases`; `options` as for {@link startPlatform}.
 */
export async function startWithEngine<E extends PlatformEngine>(
  databases: TestDatabases,
  databaseId: TestDatabaseId,
  engine: E,
  options: Omit<Parameters<typeof startPlatform>[0], 'knex' | 'engines'> = {},
) {
  const knex = await databases.init(databaseId);
  const platform = await startPlatform({ knex, engines: [engine], ...options });
  return { ...platform, engine, knex };
}

/** {@link memoryEngine} that also offers `memory:queue`, whose spec is `{}`. */
export function memoryEngineWithQueue(
  options: ConstructorParameters<typeof InMemoryEngine>[0] = {},
): InMemoryEngine {
  return memoryEngine({
    capabilities: [
      testCapability(),
      testCapability({
        name: 'queue',
        title: 'Queue',
        inputSchema: { type: 'object', properties: {} },
      }),
    ],
    ...options,
  });
}

/** A valid request for `memory:database` by team A, for orders. */
export const ORDERS_DB_REQUEST = {
  capabilityRef: 'memory:database',
  name: 'orders-db',
  environment: 'dev',
  owner: TEAM_A,
  component: 'component:default/orders',
  spec: { size: 'medium' },
};

/** {@link ORDERS_DB_REQUEST} in production, where changes wait for approval. */
export const PROD_ORDERS_DB_REQUEST = {
  ...ORDERS_DB_REQUEST,
  environment: 'production',
};

/** A valid request for `memory:database` named `name`, by team A in dev. */
export function databaseRequest(name: string) {
  return {
    capabilityRef: 'memory:database',
    name,
    environment: 'dev',
    owner: TEAM_A,
    spec: {},
  };
}

/** What `start` in {@link describePlatformApi} accepts. */
export type StartOptions = Parameters<typeof startWithEngine>[3];

/**
 * `describe` once per test database, with a `start` that runs the platform
 * plugin with a fresh `engine()` (default {@link memoryEngineWithQueue}) on
 * a fresh database; `%p` in `title` names the database.
 */
export function describePlatformApi(
  title: string,
  tests: (
    start: (
      options?: StartOptions,
    ) => ReturnType<typeof startWithEngine<InMemoryEngine>>,
  ) => void,
  engine: () => InMemoryEngine = memoryEngineWithQueue,
) {
  const databases = createTestDatabases();
  // The title is the caller's, a string literal in every test file.
  // eslint-disable-next-line jest/valid-title
  describe.each(databases.eachSupportedId())(title, databaseId => {
    tests(options => startWithEngine(databases, databaseId, engine(), options));
  });
}
