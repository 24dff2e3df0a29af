import { InputError } from '@backstage/errors';
import { TEAM_B } from '../__testUtils__/harness';
import {
  AGENT_TOKEN,
  auditMeta,
  connect,
  describeMcp,
  ok,
  refusal,
  undescribed,
} from './__testUtils__/mcpBackend';

/*
 * The platform's actions through a real MCP client (the SDK's, over
 * streamable HTTP) against a started backend: the tools an agent sees, and
 * an agent's work with its own identity. Who acts and what is refused:
 * mcp.identity.test.ts; changes that need approval: mcp.approvals.test.ts.
 */

jest.setTimeout(120_000);

/**
 * An installation that lets its agents change resources without approval
 * (`platform.approvals.servicePrincipals: allowed`, as the bench runs): the
 * actions themselves, without the approval rule (mcp.approvals.test.ts).
 */
const AGENTS_ALLOWED = {
  platform: { approvals: { servicePrincipals: 'allowed' } },
};

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
  'platform.list-change-requests': r(true, false, true),
  'platform.get-change-request': r(true, false, true),
};
function r(readOnly: boolean, destructive: boolean, idempotent: boolean) {
  return { readOnly, destructive, idempotent };
}

describeMcp('platform actions over MCP', start => {
  it('lists the platform tools with their attributes and described inputs', async () => {
    const { url } = await start();
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
    const { url, engine, auditor } = await start(AGENTS_ALLOWED);
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
    expect((await ok(agent, 'platform.list-resources', {})).totalCount).toBe(0);

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

  it('changes a resource at its generation, deletes it, and runs a rollout', async () => {
    const { url, engine } = await start(AGENTS_ALLOWED);
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
      (await ok(agent, 'platform.get-rollout', { id: rollout.id })).rollout.id,
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
    const { url, engine } = await start(AGENTS_ALLOWED);
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
});
