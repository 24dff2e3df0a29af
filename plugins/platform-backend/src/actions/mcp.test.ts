import {
  BackstageCredentials,
  coreServices,
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
import { InputError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
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
} from '@trellis/backstage-plugin-platform-node';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { Knex } from 'knex';
import { createHash, randomBytes } from 'node:crypto';
import platformPlugin from '../index';
import {
  ALICE,
  engineModule,
  TEAM_A,
  TEAM_B,
  testDatabaseIds,
  testPermissions,
} from '../__testUtils__/harness';

jest.setTimeout(120_000);

const databases = TestDatabases.create({
  ids: testDatabaseIds(),
  disableDocker: true,
});

/** The agent's own identity: a static external-access token. */
const AGENT_TOKEN = 'trellis-test-agent-token-0123456789';
/** A token whose access restrictions leave the platform out. */
const CATALOG_ONLY_TOKEN = 'trellis-test-catalog-only-token-0123456789';

/**
 * An engine that provisions as a real one would answer: Ready a moment after
 * the apply, with the outputs a developer connects with.
 */
class ProvisioningEngine extends InMemoryEngine {
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
  const users = testPermissions();
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
function databaseFactory(platformKnex: Knex) {
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

async function startBackend(databaseId: TestDatabaseId) {
  const knex = await databases.init(databaseId);
  const engine = new ProvisioningEngine({
    capabilities: [testCapability()],
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
      databaseFactory(knex),
      permissions().factory,
      auditor.factory,
      platformPlugin,
      engineModule(engine),
      mcpActionsBackend,
      authBackend,
      authModuleGuestProvider,
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
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
            },
          },
        },
      }),
    ],
  });
  const url = `http://localhost:${backend.server.port()}`;
  return { backend, engine, auditor, url };
}

/** An MCP client session, as VS Code or Claude Code would open one. */
async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'trellis-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/api/mcp-actions/v1`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** Alice signs in at the auth backend: a real, signed user token. */
async function signIn(url: string): Promise<string> {
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
async function oauthSignIn(url: string, approverToken: string) {
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

type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: any;
};

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

/** The tool's answer; fails with its error text when it refused. */
async function ok(
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
async function refusal(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  const result = await call(client, name, args);
  expect(result.isError).toBe(true);
  return result.content[0]?.text ?? '';
}

/** Each tool and what it says it does to the platform. */
const EXPECTED_TOOLS: Record<
  string,
  { readOnly: boolean; destructive: boolean; idempotent: boolean }
> = {
  'platform.list-capabilities': r(true, false, true),
  'platform.get-capability': r(true, false, true),
  'platform.list-resources': r(true, false, true),
  'platform.get-resource': r(true, false, true),
  'platform.wait-for-resource': r(true, false, true),
  'platform.get-resource-history': r(true, false, true),
  'platform.get-resource-logs': r(true, false, true),
  'platform.request-resource': r(false, false, true),
  'platform.update-resource': r(false, true, true),
  'platform.delete-resource': r(false, true, true),
  'platform.retry-resource': r(false, false, true),
  'platform.get-fleet-summary': r(true, false, true),
  'platform.start-rollout': r(false, true, false),
  'platform.get-rollout': r(true, false, true),
  'platform.list-rollouts': r(true, false, true),
  'platform.pause-rollout': r(false, false, true),
  'platform.resume-rollout': r(false, true, true),
};
function r(readOnly: boolean, destructive: boolean, idempotent: boolean) {
  return { readOnly, destructive, idempotent };
}

/** Paths of schema properties that carry no description. */
function undescribed(schema: any, path = ''): string[] {
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
function auditMeta(
  auditor: ReturnType<typeof mockServices.auditor.mock>,
  eventId: string,
) {
  return (auditor.createEvent as jest.Mock).mock.calls
    .map(([event]) => event)
    .filter(event => event.eventId === eventId)
    .map(event => event.meta);
}

describe.each(databases.eachSupportedId())(
  'platform actions over MCP on %p',
  databaseId => {
    it('lists the platform tools with their attributes and described inputs', async () => {
      const { url } = await startBackend(databaseId);
      const agent = await connect(url, AGENT_TOKEN);
      const { tools } = await agent.listTools();
      const platformTools = tools.filter(t => t.name.startsWith('platform.'));
      expect(platformTools.map(t => t.name).sort()).toEqual(
        Object.keys(EXPECTED_TOOLS).sort(),
      );
      for (const tool of platformTools) {
        expect({
          name: tool.name,
          readOnly: tool.annotations?.readOnlyHint,
          destructive: tool.annotations?.destructiveHint,
          idempotent: tool.annotations?.idempotentHint,
        }).toEqual({ name: tool.name, ...EXPECTED_TOOLS[tool.name] });
        expect(tool.description).toBeTruthy();
        expect(tool.inputSchema.type).toBe('object');
        expect({
          tool: tool.name,
          missing: undescribed(tool.inputSchema),
        }).toEqual({ tool: tool.name, missing: [] });
      }
      // The actions list (what `actions execute` and other clients read)
      // carries the output schemas too: every field described as well.
      const listed = await fetch(
        `${url}/api/platform/.backstage/actions/v1/actions`,
        {
          headers: { Authorization: `Bearer ${AGENT_TOKEN}` },
        },
      );
      const { actions } = await listed.json();
      expect(actions).toHaveLength(Object.keys(EXPECTED_TOOLS).length);
      for (const action of actions) {
        expect({
          id: action.id,
          input: undescribed(action.schema.input),
          output: undescribed(action.schema.output),
        }).toEqual({ id: action.id, input: [], output: [] });
      }
      await agent.close();
    });

    it('lets an agent find a capability, request it, wait for Ready and read its outputs', async () => {
      const { url, engine, auditor } = await startBackend(databaseId);
      const agent = await connect(url, AGENT_TOKEN);

      const { capabilities } = await ok(agent, 'platform.list-capabilities', {
        text: 'database',
      });
      expect(capabilities.map((c: any) => c.ref)).toEqual(['memory:database']);
      const { capability } = await ok(agent, 'platform.get-capability', {
        ref: 'memory:database',
      });
      expect(capability.inputSchema.properties.size.enum).toEqual([
        'small',
        'medium',
        'large',
      ]);

      const request = {
        capabilityRef: 'memory:database',
        name: 'orders-db',
        environment: 'dev',
        owner: TEAM_B,
        spec: { size: 'medium' },
      };
      // A dry run answers with the defaults applied and creates nothing.
      const dry = await ok(agent, 'platform.request-resource', {
        ...request,
        dryRun: true,
      });
      expect(dry).toMatchObject({ created: false, dryRun: true });
      expect(dry.resource.spec).toEqual({ size: 'medium', replicas: 1 });
      expect((await ok(agent, 'platform.list-resources', {})).totalCount).toBe(
        0,
      );

      const first = await ok(agent, 'platform.request-resource', {
        ...request,
        idempotencyKey: 'orders-db-1',
      });
      expect(first).toMatchObject({ created: true, dryRun: false });
      expect(first.resource.phase).toBe('Pending');
      // The agent retries, as agents do: the same resource, not a second.
      const again = await ok(agent, 'platform.request-resource', {
        ...request,
        idempotencyKey: 'orders-db-1',
      });
      expect(again.created).toBe(false);
      expect(again.resource.id).toBe(first.resource.id);

      const waited = await ok(agent, 'platform.wait-for-resource', {
        id: first.resource.id,
        timeoutSeconds: 20,
      });
      expect(waited.reached).toBe(true);
      expect(waited.resource.phase).toBe('Ready');

      const { resource } = await ok(agent, 'platform.get-resource', {
        id: first.resource.id,
      });
      expect(resource.outputs).toEqual({
        host: 'orders-db.db.internal',
        port: 5432,
      });
      expect(resource.pendingChange).toBeUndefined();
      expect(engine.applyCount(first.resource.id)).toBe(1);

      const { events } = await ok(agent, 'platform.get-resource-history', {
        id: first.resource.id,
      });
      expect(events.map((e: any) => e.type)).toContain('requested');
      expect(events.at(-1)).toMatchObject({ toPhase: 'Ready' });

      const list = await ok(agent, 'platform.list-resources', {
        owner: [TEAM_B],
        phase: ['Ready'],
      });
      expect(list.resources.map((x: any) => x.name)).toEqual(['orders-db']);
      const fleet = await ok(agent, 'platform.get-fleet-summary', {});
      expect(fleet.counts).toEqual([
        {
          capabilityRef: 'memory:database',
          version: '1.0.0',
          phase: 'Ready',
          count: 1,
        },
      ]);

      // The audit log tells who acted: a service principal (the agent's own
      // token, forwarded by the MCP plugin), on nobody's behalf.
      const created = auditMeta(auditor, 'resource-create').filter(
        meta => meta.name === 'orders-db' && !meta.dryRun,
      );
      expect(created[0]).toMatchObject({
        actor: 'plugin:mcp-actions',
        actorType: 'service',
      });
      expect(created[0]).not.toHaveProperty('via');
      await agent.close();
    });

    it('refuses a user what the policy refuses, and acts as that user otherwise', async () => {
      const { url, auditor } = await startBackend(databaseId);
      const agent = await connect(url, AGENT_TOKEN);
      const theirs = await ok(agent, 'platform.request-resource', {
        capabilityRef: 'memory:database',
        name: 'billing-db',
        environment: 'dev',
        owner: TEAM_B,
      });
      await agent.close();

      // Alice's agent acts as Alice (team-a), with her token.
      const token = await signIn(url);
      const alice = await connect(url, token);
      const refused = await refusal(alice, 'platform.delete-resource', {
        id: theirs.resource.id,
      });
      expect(refused).toMatch(
        /^NotAllowedError: Refused by the platform's permission policy: /,
      );
      expect(refused).toContain('not a fault to retry');
      // Still there, untouched.
      const still = await ok(alice, 'platform.get-resource', {
        id: theirs.resource.id,
      });
      expect(still.resource.phase).not.toMatch(/^Delet/);

      // Her own: requested as Alice, not as the agent.
      const mine = await ok(alice, 'platform.request-resource', {
        capabilityRef: 'memory:database',
        name: 'web-db',
        environment: 'production',
        owner: TEAM_A,
      });
      expect(mine.resource.requestedBy).toBe(ALICE);
      // Deleting production is the platform team's, even for its owners.
      const production = await refusal(alice, 'platform.delete-resource', {
        id: mine.resource.id,
      });
      expect(production).toMatch(
        /^NotAllowedError: Refused by the platform's permission policy: .*production/,
      );
      // The audit log tells who acted for whom: Alice, through the agent.
      expect(auditMeta(auditor, 'resource-delete')).toContainEqual(
        expect.objectContaining({
          actor: ALICE,
          actorType: 'user',
          via: 'plugin:mcp-actions',
        }),
      );
      // The same person in the portal: no agent in between.
      const direct = await fetch(`${url}/api/platform/resources`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          capabilityRef: 'memory:database',
          name: 'web-cache',
          environment: 'dev',
          owner: TEAM_A,
        }),
      });
      expect(direct.status).toBe(201);
      const portal = auditMeta(auditor, 'resource-create').find(
        meta => meta.name === 'web-cache',
      );
      expect(portal).toMatchObject({ actor: ALICE, actorType: 'user' });
      expect(portal).not.toHaveProperty('via');
      await alice.close();
    });

    it('changes a resource at its generation, deletes it, and runs a rollout', async () => {
      const { url, engine } = await startBackend(databaseId);
      const agent = await connect(url, AGENT_TOKEN);
      const { resource } = await ok(agent, 'platform.request-resource', {
        capabilityRef: 'memory:database',
        name: 'orders-db',
        environment: 'dev',
        owner: TEAM_B,
      });
      await ok(agent, 'platform.wait-for-resource', { id: resource.id });

      // Based on an old generation: refused, nothing overwritten.
      const stale = await refusal(agent, 'platform.update-resource', {
        id: resource.id,
        spec: { size: 'large' },
        generation: 7,
      });
      expect(stale).toMatch(/^ConflictError: Conflict: .*generation/);
      const updated = await ok(agent, 'platform.update-resource', {
        id: resource.id,
        spec: { size: 'large' },
        generation: resource.generation,
      });
      expect(updated.resource.generation).toBe(resource.generation + 1);
      const ready = await ok(agent, 'platform.wait-for-resource', {
        id: resource.id,
      });
      expect(ready.resource.spec).toEqual({ size: 'large', replicas: 1 });
      expect(engine.applyCount(resource.id, resource.generation + 1)).toBe(1);

      const { rollout } = await ok(agent, 'platform.start-rollout', {
        capabilityRef: 'memory:database',
        targetVersion: '2.0.0',
        waveSize: 1,
      });
      expect(rollout).toMatchObject({
        status: 'Running',
        targetVersion: '2.0.0',
        items: [expect.objectContaining({ resourceId: resource.id })],
      });
      const paused = await ok(agent, 'platform.pause-rollout', {
        id: rollout.id,
      });
      expect(paused.rollout.status).toBe('Paused');
      const resumed = await ok(agent, 'platform.resume-rollout', {
        id: rollout.id,
      });
      expect(resumed.rollout.status).toBe('Running');
      const { rollouts } = await ok(agent, 'platform.list-rollouts', {
        capabilityRef: 'memory:database',
      });
      expect(rollouts.map((x: any) => x.id)).toEqual([rollout.id]);
      expect(
        (await ok(agent, 'platform.get-rollout', { id: rollout.id })).rollout
          .id,
      ).toBe(rollout.id);

      const deleted = await ok(agent, 'platform.delete-resource', {
        id: resource.id,
      });
      expect(deleted.resource.phase).toBe('Deleting');
      expect(
        (await ok(agent, 'platform.list-resources', { phase: ['Deleting'] }))
          .resources,
      ).toHaveLength(1);
      await agent.close();
    });

    it('ends a wait at once when the engine fails the resource, with its message', async () => {
      const { url, engine } = await startBackend(databaseId);
      engine.failNextApply(new InputError('Quota exceeded: 50 GiB requested'));
      const agent = await connect(url, AGENT_TOKEN);
      const { resource } = await ok(agent, 'platform.request-resource', {
        capabilityRef: 'memory:database',
        name: 'archive-db',
        environment: 'dev',
        owner: TEAM_B,
      });
      const waited = await ok(agent, 'platform.wait-for-resource', {
        id: resource.id,
        timeoutSeconds: 50,
      });
      expect(waited.reached).toBe(false);
      expect(waited.resource.phase).toBe('Failed');
      expect(waited.resource.message).toContain('Quota exceeded');
      await agent.close();
    });

    it('lets an agent signed in with OAuth act as the person who approved it', async () => {
      const { url, auditor } = await startBackend(databaseId);
      const portalSession = await signIn(url);
      const accessToken = await oauthSignIn(url, portalSession);
      const agent = await connect(url, accessToken);
      const { resource } = await ok(agent, 'platform.request-resource', {
        capabilityRef: 'memory:database',
        name: 'search-db',
        environment: 'dev',
        owner: TEAM_A,
      });
      expect(resource.requestedBy).toBe(ALICE);
      // Alice's permissions, not more: team-b's resources are not hers.
      const refused = await refusal(agent, 'platform.request-resource', {
        capabilityRef: 'memory:database',
        name: 'search-db',
        environment: 'dev',
        owner: TEAM_B,
      });
      expect(refused).toMatch(/^NotAllowedError: /);
      expect(
        auditMeta(auditor, 'resource-create').find(
          meta => meta.name === 'search-db' && meta.actor === ALICE,
        ),
      ).toMatchObject({ actorType: 'user', via: 'plugin:mcp-actions' });
      await agent.close();
    });

    it('shows no platform tools to a token whose access restrictions leave the platform out', async () => {
      const { url } = await startBackend(databaseId);
      const agent = await connect(url, CATALOG_ONLY_TOKEN);
      const { tools } = await agent.listTools();
      // The MCP server may not carry this token to the platform.
      expect(tools.filter(t => t.name.startsWith('platform.'))).toEqual([]);
      const refused = await refusal(agent, 'platform.list-resources', {});
      expect(refused).toMatch(/^NotFoundError: /);
      await agent.close();
    });

    it('names the field of bad input, whether the schema or the platform refuses it', async () => {
      const { url } = await startBackend(databaseId);
      const agent = await connect(url, AGENT_TOKEN);
      const wrongTypes = await refusal(agent, 'platform.request-resource', {
        capabilityRef: 'memory:database',
        name: 42,
        environment: 'dev',
      });
      expect(wrongTypes).toMatch(/^InputError: Invalid input: /);
      expect(wrongTypes).toContain('name: Expected string, received number');
      expect(wrongTypes).toContain('owner: Required');

      // A misspelt dry run is refused, not taken for a real request.
      const typo = await refusal(agent, 'platform.request-resource', {
        capabilityRef: 'memory:database',
        name: 'orders-db',
        environment: 'dev',
        owner: TEAM_B,
        dryrun: true,
      });
      expect(typo).toBe(
        'InputError: Invalid input: dryrun: not a field of this action. Correct the named field and call again',
      );
      expect((await ok(agent, 'platform.list-resources', {})).totalCount).toBe(
        0,
      );

      const badSpec = await refusal(agent, 'platform.request-resource', {
        capabilityRef: 'memory:database',
        name: 'orders-db',
        environment: 'dev',
        owner: TEAM_B,
        spec: { size: 'huge' },
      });
      expect(badSpec).toMatch(
        /^InputError: Invalid input: .*spec\.size: must be one of "small", "medium", "large"/,
      );

      const badName = await refusal(agent, 'platform.request-resource', {
        capabilityRef: 'memory:database',
        name: 'Orders DB',
        environment: 'dev',
        owner: TEAM_B,
      });
      expect(badName).toMatch(/^InputError: Invalid input: name: /);

      const badPhase = await refusal(agent, 'platform.list-resources', {
        phase: ['Sleeping'],
      });
      expect(badPhase).toContain('phase[0]: ');

      const missing = await refusal(agent, 'platform.get-resource', {
        id: 'no-such-resource',
      });
      expect(missing).toMatch(/^NotFoundError: /);
      await agent.close();
    });
  },
);
