/*
 * A backend as an installation of Trellis runs one for agents, started for
 * the MCP tests: real auth, the real actions registry and service, the
 * mcp-actions plugin, the auth backend with guest sign-in, the platform
 * plugin with an engine that provisions; and an MCP SDK client for it.
 */
import {
  BackstageCredentials,
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  mockServices,
  startTestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { JsonObject } from '@backstage/types';
// The MCP server and sign-in, as a backend that installs Trellis runs them.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import authBackend from '@backstage/plugin-auth-backend';
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import authModuleGuestProvider from '@backstage/plugin-auth-backend-module-guest-provider';
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import mcpActionsBackend from '@backstage/plugin-mcp-actions-backend';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  DesiredResource,
  EngineCallContext,
  EngineCapability,
} from '@trellis/backstage-plugin-platform-node';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { Knex } from 'knex';
import { createHash, randomBytes } from 'node:crypto';
import platformPlugin from '../../index';
import {
  ALICE,
  engineModule,
  TEAM_A,
  testDatabaseIds,
  testPermissions,
} from '../../__testUtils__/harness';

/** The agent's own identity: a static external-access token. */
export const AGENT_TOKEN = 'trellis-test-agent-token-0123456789';
/** A token whose access restrictions leave the platform out. */
export const CATALOG_ONLY_TOKEN = 'trellis-test-catalog-only-token-0123456789';

/**
 * An engine that provisions as a real one would answer: Ready a moment after
 * the apply, with the outputs a developer connects with.
 */
export class ProvisioningEngine extends InMemoryEngine {
  async apply(desired: DesiredResource, context?: EngineCallContext) {
    const result = await super.apply(desired, context);
    setTimeout(() =>
      this.report(desired.resourceId, {
        phase: 'Ready',
        observedGeneration: desired.generation,
        outputs: { host: `${desired.name}.db.internal`, port: 5432 },
      }),
    );
    return result;
  }
}

/**
 * The harness's policy for users (owners change their resources, production
 * is the platform team's); a service principal is allowed what its token's
 * access restrictions allow, as Backstage's permission client decides
 * without asking the policy.
 */
function permissions() {
  // Production updates and deletes need approval, as Trellis' policy says.
  const users = testPermissions({ productionApprovals: true });
  const isService = (credentials: BackstageCredentials) =>
    credentials.principal && (credentials.principal as any).type === 'service';
  return mockServices.permissions.mock({
    authorize: async (requests, options) =>
      isService(options.credentials)
        ? requests.map(() => ({ result: AuthorizeResult.ALLOW }))
        : users.authorize(requests, options),
    authorizeConditional: async (requests, options) =>
      isService(options.credentials)
        ? requests.map(() => ({ result: AuthorizeResult.ALLOW }))
        : (users.authorizeConditional(requests, options) as any),
  });
}

/** The platform on the database under test; other plugins on SQLite. */
function databaseFactory(databases: TestDatabases, platformKnex: Knex) {
  return createServiceFactory({
    service: coreServices.database,
    deps: { metadata: coreServices.pluginMetadata },
    async factory({ metadata }) {
      if (metadata.getId() === 'platform') {
        return { getClient: async () => platformKnex };
      }
      const own = databases.init('SQLITE_3');
      return { getClient: () => own };
    },
  });
}

/**
 * Sign-in for the other people of the tests (the approver, ...): a proxy
 * provider, as an installation behind an authenticating proxy has one, that
 * signs in the user the `x-test-user` header names ("admin" is
 * user:default/admin). The tokens are the auth backend's own, signed and
 * checked as any user's.
 */
const peopleSignIn = createBackendModule({
  pluginId: 'auth',
  moduleId: 'test-people-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'people',
          factory: createProxyAuthProviderFactory({
            authenticator: createProxyAuthenticator({
              defaultProfileTransform: async () => ({ profile: {} }),
              initialize: () => undefined,
              async authenticate({ req }) {
                const name = String(req.header('x-test-user') ?? '');
                if (!/^[a-z]+$/.test(name)) {
                  throw new Error('x-test-user: a user name, e.g. admin');
                }
                return { result: { name } };
              },
            }),
            signInResolver: async ({ result }, ctx) => {
              const userRef = `user:default/${result.name}`;
              return ctx.issueToken({
                claims: { sub: userRef, ent: [userRef] },
              });
            },
          }),
        });
      },
    });
  },
});

/** What a test changes of the backend it starts. */
export interface McpBackendOptions {
  /** `platform` config, e.g. `{ approvals: { servicePrincipals: 'allowed' } }`. */
  platform?: JsonObject;
  /** Capabilities besides memory:database. */
  capabilities?: EngineCapability[];
}

export async function startBackend(
  databases: TestDatabases,
  databaseId: TestDatabaseId,
  options: McpBackendOptions = {},
) {
  const knex = await databases.init(databaseId);
  const engine = new ProvisioningEngine({
    capabilities: [testCapability(), ...(options.capabilities ?? [])],
  });
  const auditor = mockServices.auditor.mock();
  const backend = await startTestBackend({
    features: [
      // Real auth: signed plugin, user and on-behalf-of tokens, and the
      // static token checked against its access restrictions.
      authServiceFactory,
      httpAuthServiceFactory,
      httpRouterServiceFactory,
      // The real actions registry and service: actions are listed and
      // invoked over HTTP, as between any two plugins.
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      databaseFactory(databases, knex),
      permissions().factory,
      auditor.factory,
      platformPlugin,
      engineModule(engine),
      mcpActionsBackend,
      authBackend,
      authModuleGuestProvider,
      peopleSignIn,
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          ...(options.platform ? { platform: options.platform } : {}),
          backend: {
            baseUrl: 'http://localhost:7007',
            actions: { pluginSources: ['platform'] },
            auth: {
              externalAccess: [
                {
                  type: 'static',
                  options: { token: AGENT_TOKEN, subject: 'test-agent' },
                  accessRestrictions: [
                    { plugin: 'mcp-actions' },
                    { plugin: 'platform' },
                  ],
                },
                {
                  type: 'static',
                  options: {
                    token: CATALOG_ONLY_TOKEN,
                    subject: 'catalog-agent',
                  },
                  accessRestrictions: [
                    { plugin: 'mcp-actions' },
                    { plugin: 'catalog' },
                  ],
                },
              ],
            },
          },
          auth: {
            // OAuth for MCP clients, identified by client ID metadata documents.
            clientIdMetadataDocuments: { enabled: true },
            providers: {
              guest: {
                dangerouslyAllowOutsideDevelopment: true,
                userEntityRef: ALICE,
                ownershipEntityRefs: [ALICE, TEAM_A],
              },
              people: {},
            },
          },
        },
      }),
    ],
  });
  const url = `http://localhost:${backend.server.port()}`;
  return { backend, engine, auditor, url };
}

export type McpBackend = Awaited<ReturnType<typeof startBackend>>;

/**
 * `describe`s the tests once per test database (SQLite; PostgreSQL when
 * configured); each test starts its backend with the function it is given.
 */
export function describeMcp(
  title: string,
  body: (start: (options?: McpBackendOptions) => Promise<McpBackend>) => void,
) {
  const databases = TestDatabases.create({
    ids: testDatabaseIds(),
    disableDocker: true,
  });
  describe.each(databases.eachSupportedId())(`${title} on %p`, databaseId => {
    body(options => startBackend(databases, databaseId, options));
  });
}

/** A person signs in (the `people` provider): e.g. `personToken(url, 'admin')`. */
export async function personToken(url: string, name: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/people/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest', 'x-test-user': name },
  });
  expect(response.status).toBe(200);
  return (await response.json()).backstageIdentity.token;
}

/** A call to the platform's HTTP API with a token: its status and body. */
export async function api(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/api/platform${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** An MCP client session, as VS Code or Claude Code would open one. */
export async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'trellis-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/api/mcp-actions/v1`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** Alice signs in at the auth backend: a real, signed user token. */
export async function signIn(url: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  expect(response.status).toBe(200);
  return (await response.json()).backstageIdentity.token;
}

/**
 * An MCP client's OAuth sign-in, as `backstage-cli auth login` makes it: its
 * client ID is the URL of a client ID metadata document (the auth backend's
 * own for the CLI), the person approves the session in the portal (the
 * request the portal's consent page sends), and the code is exchanged with
 * PKCE for an access token.
 */
export async function oauthSignIn(url: string, approverToken: string) {
  // A client ID document on http://localhost is accepted in development
  // only, as `backstage-cli package start` runs the backend.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'development';
  try {
    return await oauthFlow(url, approverToken);
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

async function oauthFlow(url: string, approverToken: string) {
  const clientId = `${url}/api/auth/.well-known/oauth-client/cli.json`;
  const redirectUri = 'http://127.0.0.1:8055/callback';
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: 'mcp-test',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const authorize = await fetch(`${url}/api/auth/v1/authorize?${query}`, {
    redirect: 'manual',
  });
  expect(authorize.status).toBe(302);
  const consentPage = new URL(authorize.headers.get('location')!);
  const sessionId = consentPage.pathname.split('/').pop()!;
  const session = await fetch(`${url}/api/auth/v1/sessions/${sessionId}`);
  expect(await session.json()).toMatchObject({ clientName: 'Backstage CLI' });
  const approved = await fetch(
    `${url}/api/auth/v1/sessions/${sessionId}/approve`,
    { method: 'POST', headers: { Authorization: `Bearer ${approverToken}` } },
  );
  expect(approved.status).toBe(200);
  const code = new URL((await approved.json()).redirectUrl).searchParams.get(
    'code',
  )!;
  const exchanged = await fetch(`${url}/api/auth/v1/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  });
  expect(exchanged.status).toBe(200);
  return (await exchanged.json()).access_token as string;
}

export type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: any;
};

export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

/** The tool's answer; fails with its error text when it refused. */
export async function ok(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<any> {
  const result = await call(client, name, args);
  if (result.isError) {
    throw new Error(`${name} failed: ${result.content[0]?.text}`);
  }
  return result.structuredContent;
}

/** The text of a refusal; fails when the tool did not refuse. */
export async function refusal(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  const result = await call(client, name, args);
  expect(result.isError).toBe(true);
  return result.content[0]?.text ?? '';
}

/** Paths of schema properties that carry no description. */
export function undescribed(schema: any, path = ''): string[] {
  const missing: string[] = [];
  for (const [key, value] of Object.entries<any>(schema?.properties ?? {})) {
    const at = path ? `${path}.${key}` : key;
    if (!value.description) missing.push(at);
    missing.push(...undescribed(value, at));
    if (value.items) missing.push(...undescribed(value.items, `${at}[]`));
  }
  return missing;
}

/** The audit events of one kind the platform plugin recorded, as started. */
export function auditMeta(
  auditor: ReturnType<typeof mockServices.auditor.mock>,
  eventId: string,
) {
  return (auditor.createEvent as jest.Mock).mock.calls
    .map(([event]) => event)
    .filter(event => event.eventId === eventId)
    .map(event => event.meta);
}
