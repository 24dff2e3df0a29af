import { ALICE, TEAM_A, TEAM_B } from '../__testUtils__/harness';
import {
  AGENT_TOKEN,
  auditMeta,
  CATALOG_ONLY_TOKEN,
  connect,
  describeMcp,
  oauthSignIn,
  ok,
  refusal,
  signIn,
} from './__testUtils__/mcpBackend';

/*
 * Who acts over MCP, and what is refused: an agent with its own token, a
 * person's agent (their token, or OAuth), a token the platform is not open
 * to, and bad input named field by field.
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

describeMcp('who acts over MCP', start => {
  it('refuses a user what the policy refuses, and acts as that user otherwise', async () => {
    const { url, auditor } = await start(AGENTS_ALLOWED);
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

  it('lets an agent signed in with OAuth act as the person who approved it', async () => {
    const { url, auditor } = await start();
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
    const { url } = await start();
    const agent = await connect(url, CATALOG_ONLY_TOKEN);
    const { tools } = await agent.listTools();
    // The MCP server may not carry this token to the platform.
    expect(tools.filter(t => t.name.startsWith('platform.'))).toEqual([]);
    const refused = await refusal(agent, 'platform.list-resources', {});
    expect(refused).toMatch(/^NotFoundError: /);
    await agent.close();
  });

  it('names the field of bad input, whether the schema or the platform refuses it', async () => {
    const { url } = await start(AGENTS_ALLOWED);
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
    expect((await ok(agent, 'platform.list-resources', {})).totalCount).toBe(0);

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
});
