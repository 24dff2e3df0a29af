import { testCapability } from '@trellis/backstage-plugin-platform-node/testUtils';
import { ADMIN, ALICE, eventually, TEAM_A } from '../__testUtils__/harness';
import {
  AGENT_TOKEN,
  api,
  auditMeta,
  call,
  connect,
  describeMcp,
  oauthSignIn,
  ok,
  personToken,
  signIn,
} from './__testUtils__/mcpBackend';

/*
 * People in the loop, through a real MCP client against a started backend
 * with the approval rules as shipped (`platform.approvals.servicePrincipals`
 * left at `required`): an agent's change becomes a change request it can
 * follow but not approve; a person other than the requester decides it over
 * the HTTP API (as the portal's Approvals page does); only then does the
 * engine hear of it.
 */

jest.setTimeout(120_000);

/** A capability marked as needing approval for every change. */
const SECRETS = testCapability({
  name: 'secrets',
  title: 'Secrets vault',
  requiresApproval: true,
});

describeMcp('change requests over MCP', start => {
  it("turns an agent's production delete into a change request: not executed, not refused; it runs once a person approves", async () => {
    const { url, engine, auditor } = await start();
    const admin = await personToken(url, 'admin');
    // The team's production database, requested in the portal by its owner.
    const alice = await signIn(url);
    const created = await api(url, alice, 'POST', '/resources', {
      capabilityRef: 'memory:database',
      name: 'orders-db',
      environment: 'production',
      owner: TEAM_A,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await eventually(async () => {
      const now = await api(url, alice, 'GET', `/resources/${id}`);
      return now.body.status.phase === 'Ready';
    });

    // The agent, with its own token, asks to delete it.
    const agent = await connect(url, AGENT_TOKEN);
    const result = await call(agent, 'platform.delete-resource', { id });
    expect(result.isError).toBeFalsy();
    const answer = result.structuredContent;
    expect(answer.status).toBe('needs-approval');
    expect(answer.resource).toBeUndefined();
    const crId = answer.changeRequest.id;
    expect(crId).toMatch(/^\d+$/);
    expect(answer.changeRequest).toMatchObject({
      operation: 'delete',
      status: 'pending',
      resource: { id, name: 'orders-db', environment: 'production' },
      requestedByType: 'service',
      url: `http://localhost:3000/platform/approvals/${crId}`,
    });
    expect(answer.changeRequest.reasons).toContain('service-principal');
    expect(answer.message).toBe(
      `Needs approval: change request ${crId} (delete of orders-db in production). Nothing was changed yet. Ask an approver to review it at http://localhost:3000/platform/approvals/${crId}; poll platform.get-change-request with id ${crId} to learn the decision (it expires ${answer.changeRequest.expiresAt}).`,
    );
    // What the agent's user reads in the chat carries the same words.
    expect(result.content[0]?.text).toContain(
      `Needs approval: change request ${crId}`,
    );

    // Not executed: the resource is still there and the engine heard nothing.
    const still = await ok(agent, 'platform.get-resource', { id });
    expect(still.resource.phase).toBe('Ready');
    expect(engine.deleted).toEqual([]);

    // The agent follows it, and finds it in the list.
    const pending = await ok(agent, 'platform.get-change-request', {
      id: crId,
    });
    expect(pending.changeRequest.status).toBe('pending');
    expect(pending.message).toContain('an agent cannot approve it');
    const listed = await ok(agent, 'platform.list-change-requests', {
      status: ['pending'],
    });
    expect(listed.changeRequests.map((c: any) => c.id)).toEqual([crId]);

    // A second change while this one waits is refused, naming it.
    const second = await call(agent, 'platform.delete-resource', { id });
    expect(second.isError).toBe(true);
    expect(second.content[0]?.text).toContain(`change request ${crId}`);

    // The agent cannot approve it itself, over HTTP with its own token.
    const selfApproval = await api(
      url,
      AGENT_TOKEN,
      'POST',
      `/change-requests/${crId}/approve`,
      {},
    );
    expect(selfApproval.status).toBe(403);
    expect(selfApproval.body.error.message).toMatch(
      /^Change requests are approved by people/,
    );
    expect(engine.deleted).toEqual([]);

    // A person of the platform team approves it: the delete runs.
    const approved = await api(
      url,
      admin,
      'POST',
      `/change-requests/${crId}/approve`,
      { comment: 'orders moved to orders-v2' },
    );
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      decidedBy: ADMIN,
      comment: 'orders moved to orders-v2',
    });
    await eventually(() => engine.deleted.some(ref => ref.resourceId === id));
    const decided = await ok(agent, 'platform.get-change-request', {
      id: crId,
    });
    expect(decided.changeRequest.status).toBe('approved');
    expect(decided.message).toContain(`approved by ${ADMIN}`);
    expect(decided.message).toContain('platform.wait-for-resource');

    // The audit log tells who asked (the agent) and who decided (a person).
    expect(auditMeta(auditor, 'change-request-create')).toContainEqual(
      expect.objectContaining({ actor: 'plugin:mcp-actions' }),
    );
    expect(auditMeta(auditor, 'change-request-approve')).toContainEqual(
      expect.objectContaining({ actor: ADMIN }),
    );
    await agent.close();
  });

  it('lets no requester approve their own change request, and never runs a rejected one', async () => {
    const { url, engine } = await start({ capabilities: [SECRETS] });
    const admin = await personToken(url, 'admin');
    // Alice's agent, signed in with OAuth: it acts as Alice.
    const accessToken = await oauthSignIn(url, await signIn(url));
    const agent = await connect(url, accessToken);

    const asked = await ok(agent, 'platform.request-resource', {
      capabilityRef: 'memory:secrets',
      name: 'orders-secrets',
      environment: 'dev',
      owner: TEAM_A,
      idempotencyKey: 'orders-secrets-1',
    });
    expect(asked).toMatchObject({
      status: 'needs-approval',
      created: false,
      changeRequest: {
        operation: 'create',
        status: 'pending',
        reasons: ['capability'],
        requestedBy: ALICE,
        requestedByType: 'user',
      },
    });
    const crId = asked.changeRequest.id;
    // Asked again with the same key: the same change request, not a second.
    const again = await ok(agent, 'platform.request-resource', {
      capabilityRef: 'memory:secrets',
      name: 'orders-secrets',
      environment: 'dev',
      owner: TEAM_A,
      idempotencyKey: 'orders-secrets-1',
    });
    expect(again.changeRequest.id).toBe(crId);
    expect((await ok(agent, 'platform.list-resources', {})).totalCount).toBe(0);

    // Alice cannot approve what she asked for, with either of her tokens.
    for (const token of [accessToken, await signIn(url)]) {
      const own = await api(
        url,
        token,
        'POST',
        `/change-requests/${crId}/approve`,
        {},
      );
      expect(own.status).toBe(403);
      expect(own.body.error.message).toMatch(
        /^You requested this change; someone else must approve/,
      );
    }

    // A person rejects it, saying why.
    const noComment = await api(
      url,
      admin,
      'POST',
      `/change-requests/${crId}/reject`,
      { comment: '' },
    );
    expect(noComment.status).toBe(400);
    const rejected = await api(
      url,
      admin,
      'POST',
      `/change-requests/${crId}/reject`,
      { comment: 'use the shared vault' },
    );
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      decidedBy: ADMIN,
    });
    // Decided is final: approving it now is a conflict that says its status.
    const late = await api(
      url,
      admin,
      'POST',
      `/change-requests/${crId}/approve`,
      {},
    );
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/rejected/);

    const told = await ok(agent, 'platform.get-change-request', { id: crId });
    expect(told.changeRequest.status).toBe('rejected');
    expect(told.message).toContain('"use the shared vault"');
    expect(told.message).toContain('will not be applied');
    // Never run: no resource, and the engine was never asked.
    expect((await ok(agent, 'platform.list-resources', {})).totalCount).toBe(0);
    expect(engine.applied.map(d => d.name)).not.toContain('orders-secrets');
    await agent.close();
  });

  it('answers a dry run with approvalRequired and creates no change request', async () => {
    const { url } = await start();
    const agent = await connect(url, AGENT_TOKEN);
    const dry = await ok(agent, 'platform.request-resource', {
      capabilityRef: 'memory:database',
      name: 'orders-db',
      environment: 'dev',
      owner: TEAM_A,
      dryRun: true,
    });
    expect(dry).toMatchObject({
      status: 'done',
      dryRun: true,
      created: false,
      approvalRequired: true,
      approvalReasons: ['service-principal'],
    });
    const { changeRequests } = await ok(
      agent,
      'platform.list-change-requests',
      {},
    );
    expect(changeRequests).toEqual([]);
    await agent.close();
  });
});
