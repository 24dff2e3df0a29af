import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
// The MCP server, as a backend that installs Trellis runs it.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import mcpActionsBackend from '@backstage/plugin-mcp-actions-backend';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  devexAdminPermission,
  DevexFact,
} from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { devexPlugin } from '../plugin';
import { testDatabaseIds } from '../__testUtils__/testStore';

/*
 * The DevEx read figures through a real MCP client (the SDK's, over
 * streamable HTTP) against a started backend with the real actions registry
 * and the mcp-actions plugin: the tools an agent sees, answers equal to the
 * HTTP API's for the same person, and the same refusals.
 */

jest.setTimeout(240_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

const ADMIN = 'user:default/admin';
const ADA = 'user:default/ada';
const OUTSIDER = 'user:default/outsider';
const PAYMENTS = 'group:default/payments';
const CHECKOUT = 'component:default/checkout';

const entity = (kind: string, name: string, spec: object): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name, namespace: 'default' },
  spec,
  ...(kind === 'User'
    ? { relations: [{ type: 'memberOf', targetRef: PAYMENTS }] }
    : {}),
});
const ENTITIES = [
  entity('User', 'ada', {}),
  entity('User', 'grace', {}),
  entity('User', 'linus', {}),
  entity('User', 'admin', {}),
  entity('Group', 'payments', { type: 'team', children: [] }),
  entity('Component', 'checkout', { type: 'service', owner: 'payments' }),
];

/**
 * The outsider may read nothing, only the admin is a devex admin; a service
 * principal is allowed everything, as Backstage's permission client allows
 * it without asking the policy.
 */
const permissions = mockServices.permissions.mock({
  authorize: async (requests, { credentials }) =>
    requests.map(r => {
      const principal = credentials.principal as {
        type: string;
        userEntityRef?: string;
      };
      if (principal.type === 'service')
        return { result: AuthorizeResult.ALLOW };
      const ref = principal.userEntityRef;
      if (ref === OUTSIDER) return { result: AuthorizeResult.DENY };
      if (r.permission.name === devexAdminPermission.name) {
        return {
          result: ref === ADMIN ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
        };
      }
      return { result: AuthorizeResult.ALLOW };
    }),
});

const FACTS: DevexFact[] = [
  {
    sourceId: 'ci:pr/1',
    kind: 'delivery.change.merged',
    time: '2026-09-08T09:00:00.000Z',
    subject: 'github:pr/acme/checkout/1',
    actor: ADA,
    entityRef: CHECKOUT,
    attributes: {
      provider: 'github',
      repo: 'acme/checkout',
      number: 1,
      firstCommitAt: '2026-09-08T08:00:00Z',
      mergeSha: 'abc',
    },
  },
  {
    sourceId: 'ci:deploy/1',
    kind: 'delivery.deployment',
    time: '2026-09-08T10:00:00.000Z',
    subject: 'github:deployment/acme/checkout/1',
    actor: ADA,
    entityRef: CHECKOUT,
    attributes: {
      provider: 'github',
      repo: 'acme/checkout',
      id: '1',
      environment: 'production',
      production: true,
      status: 'success',
      sha: 'abc',
      createdAt: '2026-09-08T09:30:00Z',
    },
  },
  {
    sourceId: 'ci:incident/1',
    kind: 'delivery.incident.opened',
    time: '2026-09-09T10:00:00.000Z',
    subject: 'pagerduty:incident/1',
    entityRef: CHECKOUT,
    attributes: { provider: 'pagerduty', title: 'Checkout down' },
  },
];

async function start(knex: Knex, options: { demo?: boolean } = {}) {
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
  };
  const backend = await startTestBackend({
    features: [
      // The real actions registry and service: the MCP server lists and
      // invokes the devex actions over HTTP, as between any two plugins.
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      devexPlugin,
      mcpActionsBackend,
      mockServices.database.factory({ knex }),
      permissions.factory,
      scheduler.factory({ skipTaskRunOnStartup: true }),
      catalogServiceMock.factory({ entities: ENTITIES }),
      mockServices.rootConfig.factory({
        data: {
          backend: {
            baseUrl: 'http://localhost:7007',
            actions: { pluginSources: ['devex'] },
          },
          devex: { demo: { enabled: options.demo ?? false } },
        },
      }),
    ],
  });
  await scheduler.triggerTask('devex-directory');
  if (options.demo) {
    // The demo history waits for the catalog's user count to hold once.
    await scheduler.triggerTask('devex-demo-history');
    await scheduler.triggerTask('devex-demo-history');
    await scheduler.triggerTask('devex-delivery-index');
  }
  const url = `http://localhost:${backend.server.port()}`;
  const posted = await fetch(`${url}/api/devex/facts`, {
    method: 'POST',
    headers: {
      Authorization: mockCredentials.service.header(),
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ source: 'ci', facts: FACTS }),
  });
  expect(posted.status).toBe(200);
  return url;
}

/** An MCP client session, as VS Code or Claude Code would open one. */
async function connect(url: string, authorization: string): Promise<Client> {
  const client = new Client({ name: 'trellis-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/api/mcp-actions/v1`), {
      requestInit: { headers: { Authorization: authorization } },
    }),
  );
  return client;
}

type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: any;
};

async function call(client: Client, name: string, args: object) {
  return (await client.callTool({
    name,
    arguments: args as Record<string, unknown>,
  })) as ToolResult;
}

async function ok(client: Client, name: string, args: object) {
  const result = await call(client, name, args);
  if (result.isError) {
    throw new Error(`${name} failed: ${result.content[0]?.text}`);
  }
  return result.structuredContent;
}

async function refusal(client: Client, name: string, args: object) {
  const result = await call(client, name, args);
  expect(result.isError).toBe(true);
  return result.content[0]?.text ?? '';
}

async function http(url: string, path: string, who: string) {
  const response = await fetch(`${url}/api/devex${path}`, {
    headers: { Authorization: mockCredentials.user.header(who) },
  });
  return { status: response.status, body: await response.json() };
}

/** Paths of schema properties that carry no description. */
function undescribed(schema: any, path = ''): string[] {
  const missing: string[] = [];
  for (const [key, value] of Object.entries<any>(schema?.properties ?? {})) {
    const at = path ? `${path}.${key}` : key;
    if (!value.description) missing.push(at);
    missing.push(...undescribed(value, at));
    if (value.items) missing.push(...undescribed(value.items, `${at}[]`));
    for (const option of value.items?.anyOf ?? []) {
      missing.push(...undescribed(option, `${at}[]`));
    }
  }
  return missing;
}

const READ_ONLY = { readOnly: true, destructive: false, idempotent: true };
const TOOLS = [
  'devex.get-adoption',
  'devex.get-delivery',
  'devex.get-delivery-evidence',
  'devex.get-golden-paths',
  'devex.get-impact',
  'devex.get-onboarding',
  'devex.get-service-levels',
  'devex.get-team-summary',
];
const RANGE = { from: '2026-09-07', to: '2026-09-13' };
const Q = 'from=2026-09-07&to=2026-09-13';

/** Each tool and the HTTP request that asks the same question. */
function sameQuestions(range: { from: string; to: string }) {
  const q = `from=${range.from}&to=${range.to}`;
  const questions: Array<[string, object, string]> = [
    ['devex.get-adoption', range, `/metrics/adoption?${q}`],
    ['devex.get-golden-paths', range, `/metrics/golden-paths?${q}`],
    ['devex.get-service-levels', range, `/metrics/service-levels?${q}`],
    ['devex.get-onboarding', range, `/metrics/onboarding?${q}`],
    ['devex.get-impact', range, `/metrics/impact?${q}`],
    ['devex.get-delivery', range, `/metrics/delivery?${q}`],
    [
      'devex.get-delivery',
      { ...range, component: CHECKOUT },
      `/metrics/delivery?${q}&component=${encodeURIComponent(CHECKOUT)}`,
    ],
    [
      'devex.get-delivery',
      { ...range, team: PAYMENTS },
      `/metrics/delivery?${q}&team=${encodeURIComponent(PAYMENTS)}`,
    ],
    [
      'devex.get-team-summary',
      { ...range, team: PAYMENTS },
      `/teams/summary?${q}&team=${encodeURIComponent(PAYMENTS)}`,
    ],
  ];
  for (const kind of ['deployments', 'changes', 'incidents']) {
    questions.push([
      'devex.get-delivery-evidence',
      { ...range, kind },
      `/metrics/delivery/evidence?${q}&kind=${kind}`,
    ]);
  }
  questions.push([
    'devex.get-delivery-evidence',
    { ...range, kind: 'changes', limit: 1 },
    `/metrics/delivery/evidence?${q}&kind=changes&limit=1`,
  ]);
  return questions;
}

/** Every question answered alike by the tool and the HTTP API, for one person. */
async function expectSameAnswers(
  url: string,
  who: string,
  range: { from: string; to: string },
) {
  const agent = await connect(url, mockCredentials.user.header(who));
  const answers: Record<string, any> = {};
  for (const [tool, args, path] of sameQuestions(range)) {
    const viaHttp = await http(url, path, who);
    expect([path, viaHttp.status]).toEqual([path, 200]);
    const answer = await ok(agent, tool, args);
    expect({ tool, answer }).toEqual({ tool, answer: viaHttp.body });
    answers[path] = answer;
  }
  await agent.close();
  return answers;
}

describe.each(databases.eachSupportedId())(
  'devex actions over MCP on %p',
  id => {
    it('lists the devex tools, read-only, with every field described', async () => {
      const url = await start(await databases.init(id));
      const agent = await connect(url, mockCredentials.user.header(ADA));
      const { tools } = await agent.listTools();
      const devex = tools.filter(t => t.name.startsWith('devex.'));
      expect(devex.map(t => t.name).sort()).toEqual(TOOLS);
      for (const tool of devex) {
        expect({
          name: tool.name,
          readOnly: tool.annotations?.readOnlyHint,
          destructive: tool.annotations?.destructiveHint,
          idempotent: tool.annotations?.idempotentHint,
        }).toEqual({ name: tool.name, ...READ_ONLY });
        expect(tool.description).toMatch(/devex\.metrics\.read/);
        expect(tool.inputSchema.required).toEqual(
          expect.arrayContaining(['from', 'to']),
        );
      }
      const listed = await fetch(
        `${url}/api/devex/.backstage/actions/v1/actions`,
        {
          headers: { Authorization: mockCredentials.user.header(ADA) },
        },
      );
      const { actions } = await listed.json();
      expect(actions).toHaveLength(TOOLS.length);
      for (const action of actions) {
        expect({
          id: action.id,
          input: undescribed(action.schema.input),
          output: undescribed(action.schema.output),
        }).toEqual({ id: action.id, input: [], output: [] });
      }
      await agent.close();
    });

    it('answers as the HTTP API answers the same person', async () => {
      const url = await start(await databases.init(id));
      const answers = await expectSameAnswers(url, ADA, RANGE);

      // The figures are the facts posted: one deployment, its change, an incident.
      const delivery =
        answers[
          `/metrics/delivery?${Q}&component=${encodeURIComponent(CHECKOUT)}`
        ];
      expect(delivery.totals.deploymentFrequency.deployments).toBe(1);
      expect(delivery.totals.leadTime.changes).toBe(1);
      expect(delivery.components[0]).toMatchObject({
        component: CHECKOUT,
        team: PAYMENTS,
      });
      const incidents =
        answers[`/metrics/delivery/evidence?${Q}&kind=incidents`];
      expect(incidents.items.map((i: any) => i.subject)).toEqual([
        'pagerduty:incident/1',
      ]);
    });

    it('answers as the HTTP API over 90 days of demo history, every report filled', async () => {
      const url = await start(await databases.init(id), { demo: true });
      const today = new Date();
      const range = {
        from: new Date(today.getTime() - 89 * 86_400_000)
          .toISOString()
          .slice(0, 10),
        to: today.toISOString().slice(0, 10),
      };
      const answers = await expectSameAnswers(url, ADA, range);
      const q = `from=${range.from}&to=${range.to}`;
      // Not empty reports compared: each has the rows an agent would read.
      expect(
        answers[`/metrics/adoption?${q}`].totals.activeUsers,
      ).toBeGreaterThan(0);
      expect(
        answers[`/metrics/golden-paths?${q}`].templates.length,
      ).toBeGreaterThan(0);
      expect(
        answers[`/metrics/service-levels?${q}`].capabilities.length,
      ).toBeGreaterThan(0);
      expect(
        answers[`/metrics/delivery?${q}`].components.length,
      ).toBeGreaterThan(0);
      expect(answers[`/metrics/delivery?${q}`].series.length).toBeGreaterThan(
        0,
      );
      for (const kind of ['deployments', 'changes', 'incidents']) {
        expect({
          kind,
          items:
            answers[`/metrics/delivery/evidence?${q}&kind=${kind}`].items
              .length > 0,
        }).toEqual({ kind, items: true });
      }
      // And as the admin, who sees people in the evidence.
      await expectSameAnswers(url, ADMIN, range);
    });

    it('shows who deployed only to a devex admin, never to an agent with its own token', async () => {
      const url = await start(await databases.init(id));
      const args = { ...RANGE, kind: 'changes' };
      const actors = async (authorization: string) => {
        const agent = await connect(url, authorization);
        const page = await ok(agent, 'devex.get-delivery-evidence', args);
        await agent.close();
        return page.items.map((item: any) => item.actor);
      };
      expect(await actors(mockCredentials.user.header(ADMIN))).toEqual([ADA]);
      expect(await actors(mockCredentials.user.header(ADA))).toEqual([
        undefined,
      ]);
      // A service principal is allowed devex.admin by the permission
      // framework; the action still leaves people out.
      expect(await actors(mockCredentials.service.header())).toEqual([
        undefined,
      ]);
      // As over HTTP for the admin.
      const viaHttp = await http(
        url,
        `/metrics/delivery/evidence?${Q}&kind=changes`,
        ADMIN,
      );
      expect(viaHttp.body.items[0].actor).toBe(ADA);
    });

    it('refuses a person without devex.metrics.read, and names a bad field', async () => {
      const url = await start(await databases.init(id));
      const outsider = await connect(
        url,
        mockCredentials.user.header(OUTSIDER),
      );
      for (const tool of TOOLS) {
        const args = {
          ...RANGE,
          ...(tool === 'devex.get-team-summary' ? { team: PAYMENTS } : {}),
          ...(tool === 'devex.get-delivery-evidence'
            ? { kind: 'deployments' }
            : {}),
        };
        expect(await refusal(outsider, tool, args)).toMatch(
          /Not allowed: devex\.metrics\.read/,
        );
      }
      expect((await http(url, `/metrics/delivery?${Q}`, OUTSIDER)).status).toBe(
        403,
      );
      await outsider.close();

      const agent = await connect(url, mockCredentials.user.header(ADA));
      expect(
        await refusal(agent, 'devex.get-delivery', {
          ...RANGE,
          from: '7.9.2026',
        }),
      ).toMatch(/from: must be a day written YYYY-MM-DD/);
      // The shape is right, the day is not: refused by the same check as HTTP.
      expect(
        await refusal(agent, 'devex.get-adoption', {
          ...RANGE,
          from: '2026-02-30',
        }),
      ).toMatch(/from: must be a day written YYYY-MM-DD/);
      expect(
        await refusal(agent, 'devex.get-adoption', {
          from: '2026-09-13',
          to: '2026-09-07',
        }),
      ).toMatch(/to: the range is inverted/);
      expect(
        await refusal(agent, 'devex.get-team-summary', {
          ...RANGE,
          team: 'payments',
        }),
      ).toMatch(/team: must be a group entity ref/);
      expect(
        await refusal(agent, 'devex.get-onboarding', {
          ...RANGE,
          tema: PAYMENTS,
        }),
      ).toMatch(/tema: not a field of this action/);
      expect(
        await refusal(agent, 'devex.get-delivery-evidence', {
          ...RANGE,
          kind: 'deployments',
          after: 'not-a-cursor',
        }),
      ).toMatch(/after: not a cursor/);
      await agent.close();
    });
  },
);
