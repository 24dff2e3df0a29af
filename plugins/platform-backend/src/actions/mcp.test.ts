import { TestDatabases } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import {
  ALICE,
  TEAM_A,
  TEAM_B,
  testDatabaseIds,
} from '../__testUtils__/harness';
import {
  AGENT_TOKEN,
  auditMeta,
  CATALOG_ONLY_TOKEN,
  connect,
  oauthSignIn,
  ok,
  refusal,
  signIn,
  startBackend as startMcpBackend,
  undescribed,
} from './__testUtils__/mcpBackend';

jest.setTimeout(120_000);

const databases = TestDatabases.create({
  ids: testDatabaseIds(),
  disableDocker: true,
});

const startBackend = (databaseId: Parameters<typeof databases.init>[0]) =>
  startMcpBackend(databases, databaseId);

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
