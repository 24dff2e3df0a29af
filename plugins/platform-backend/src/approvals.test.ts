import { testCapability } from '@trellis/backstage-plugin-platform-node/testUtils';
import request from 'supertest';
import {
  ADMIN,
  AGENT,
  ALICE,
  asUser,
  createTestDatabases,
  databaseRequest,
  eventually,
  memoryEngineWithQueue,
  memoryEngine,
  PROD_ORDERS_DB_REQUEST as PROD_DB,
  startPlatform,
} from './__testUtils__/harness';

// Change requests (issue 13, item 3): changes that wait for a person.

jest.setTimeout(60_000);

const as = asUser;

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'change requests on %p',
  databaseId => {
    async function start(
      options: Partial<Parameters<typeof startPlatform>[0]> = {},
    ) {
      const knex = options.knex ?? (await databases.init(databaseId));
      const engine = memoryEngineWithQueue();
      const platform = await startPlatform({
        knex,
        engines: [engine],
        productionApprovals: true,
        ...options,
      });
      return { ...platform, engine, knex };
    }

    /** A Ready production database of team A, made by the platform team. */
    async function prodDatabase(server: any, engine: any) {
      const created = await request(server)
        .post('/api/platform/resources')
        .set(as(ADMIN))
        .send(PROD_DB);
      expect(created.status).toBe(201);
      await eventually(() => engine.applyCount(created.body.id) === 1, 'apply');
      return created.body.id as string;
    }

    it('an agent’s production delete waits for a person, runs once approved, and not before', async () => {
      const { server, engine, auditor } = await start();
      const id = await prodDatabase(server, engine);

      const asked = await request(server)
        .delete(`/api/platform/resources/${id}`)
        .set(AGENT);
      expect(asked.status).toBe(202);
      const cr = asked.body.changeRequest;
      expect(cr).toMatchObject({
        operation: 'delete',
        status: 'pending',
        requestedByType: 'service',
        resource: { id, name: 'orders-db', environment: 'production' },
        baseGeneration: 1,
      });
      expect(cr.id).toMatch(/^[0-9]+$/);
      expect(cr.reasons).toEqual(expect.arrayContaining(['service-principal']));
      expect(asked.body.message).toMatch(
        new RegExp(
          `Needs approval: delete of orders-db \\(production\\). Change request ${cr.id}; ask someone with platform.resource.approve`,
        ),
      );
      // Not executed.
      const still = await request(server)
        .get(`/api/platform/resources/${id}`)
        .set(as(ALICE));
      expect(still.body.status.phase).not.toBe('Deleting');
      expect(still.body.pending).toBeUndefined();

      // The same agent cannot approve (services never approve).
      const selfApprove = await request(server)
        .post(`/api/platform/change-requests/${cr.id}/approve`)
        .set(AGENT)
        .send({});
      expect(selfApprove.status).toBe(403);
      expect(selfApprove.body.error.message).toMatch(
        /Change requests are approved by people/,
      );
      // A user without platform.resource.approve cannot either.
      const byAlice = await request(server)
        .post(`/api/platform/change-requests/${cr.id}/approve`)
        .set(as(ALICE))
        .send({});
      expect(byAlice.status).toBe(403);
      expect(byAlice.body.error.message).toMatch(/platform.resource.approve/);

      // A second change while it is pending: 409 naming the request.
      const second = await request(server)
        .patch(`/api/platform/resources/${id}`)
        .set(as(ADMIN))
        .send({ spec: { size: 'large' }, generation: 1 });
      expect(second.status).toBe(409);
      expect(second.body.error.message).toContain(`change request ${cr.id}`);

      // Listed for readers, newest first; filters.
      const listed = await request(server)
        .get('/api/platform/change-requests')
        .query({ status: 'pending', resourceId: id })
        .set(as(ALICE));
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((c: any) => c.id)).toEqual([cr.id]);

      const approved = await request(server)
        .post(`/api/platform/change-requests/${cr.id}/approve`)
        .set(as(ADMIN))
        .send({ comment: 'decommissioned' });
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({
        status: 'approved',
        decidedBy: ADMIN,
        comment: 'decommissioned',
      });
      await eventually(
        () => engine.deleted.some((r: any) => r.resourceId === id),
        'the engine deletes it',
      );

      // Decided once: a second approval is a conflict that says the status.
      const again = await request(server)
        .post(`/api/platform/change-requests/${cr.id}/approve`)
        .set(as(ADMIN))
        .send({});
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(
        /is not pending: it is approved/,
      );

      const events = auditor.createEvent.mock.calls.map(
        ([e]: any[]) => e.eventId,
      );
      expect(events).toEqual(
        expect.arrayContaining([
          'change-request-create',
          'change-request-approve',
        ]),
      );
    });

    it('the policy makes a person’s production update a change request; the requester cannot approve it; someone else can', async () => {
      const { server, engine } = await start();
      const id = await prodDatabase(server, engine);
      const asked = await request(server)
        .patch(`/api/platform/resources/${id}`)
        .set(as(ADMIN))
        .send({ spec: { size: 'large' }, generation: 1 });
      expect(asked.status).toBe(202);
      const cr = asked.body.changeRequest;
      expect(cr).toMatchObject({
        operation: 'update',
        reasons: ['policy'],
        requestedBy: ADMIN,
        requestedByType: 'user',
        change: { spec: { size: 'large', replicas: 1 } },
      });
      const own = await request(server)
        .post(`/api/platform/change-requests/${cr.id}/approve`)
        .set(as(ADMIN))
        .send({});
      expect(own.status).toBe(403);
      expect(own.body.error.message).toMatch(
        /You requested this change; someone else must approve/,
      );
      // Dev changes need no approval.
      const dev = await request(server)
        .post('/api/platform/resources')
        .set(as(ALICE))
        .send(databaseRequest('dev-db'));
      expect(dev.status).toBe(201);
    });

    it('a rejected request never runs; reject needs a comment; cancel is the requester’s', async () => {
      const { server, engine } = await start();
      const id = await prodDatabase(server, engine);
      const asked = await request(server)
        .delete(`/api/platform/resources/${id}`)
        .set(AGENT);
      const cr = asked.body.changeRequest;
      const noComment = await request(server)
        .post(`/api/platform/change-requests/${cr.id}/reject`)
        .set(as(ADMIN))
        .send({ comment: '  ' });
      expect(noComment.status).toBe(400);
      expect(noComment.body.error.message).toMatch(/comment/);
      const rejected = await request(server)
        .post(`/api/platform/change-requests/${cr.id}/reject`)
        .set(as(ADMIN))
        .send({ comment: 'still in use' });
      expect(rejected.status).toBe(200);
      expect(rejected.body).toMatchObject({
        status: 'rejected',
        comment: 'still in use',
      });
      const approveAfter = await request(server)
        .post(`/api/platform/change-requests/${cr.id}/approve`)
        .set(as(ADMIN))
        .send({});
      expect(approveAfter.status).toBe(409);
      const res = await request(server)
        .get(`/api/platform/resources/${id}`)
        .set(as(ALICE));
      expect(res.body.status.phase).not.toBe('Deleting');
      expect(res.body.pending).toBeUndefined();
      expect(engine.deleted).toEqual([]);

      // A new request after the decision; only the requester may cancel it.
      const update = await request(server)
        .patch(`/api/platform/resources/${id}`)
        .set(as(ADMIN))
        .send({ spec: { size: 'large' }, generation: 1 });
      expect(update.status).toBe(202);
      const next = update.body.changeRequest.id;
      const byOther = await request(server)
        .post(`/api/platform/change-requests/${next}/cancel`)
        .set(as(ALICE));
      expect(byOther.status).toBe(403);
      const cancelled = await request(server)
        .post(`/api/platform/change-requests/${next}/cancel`)
        .set(as(ADMIN));
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');

      const unknown = await request(server)
        .get('/api/platform/change-requests/999999')
        .set(as(ADMIN));
      expect(unknown.status).toBe(404);
    });

    it('an expired request never runs: the scheduled task and approve both see it', async () => {
      const { server, engine, runTask } = await start({
        config: { approvals: { expiresAfter: { milliseconds: 200 } } },
      });
      const id = await prodDatabase(server, engine);
      const first = await request(server)
        .delete(`/api/platform/resources/${id}`)
        .set(AGENT);
      await new Promise(r => setTimeout(r, 300));
      const late = await request(server)
        .post(
          `/api/platform/change-requests/${first.body.changeRequest.id}/approve`,
        )
        .set(as(ADMIN))
        .send({});
      expect(late.status).toBe(409);
      expect(late.body.error.message).toMatch(/expired/);

      const second = await request(server)
        .delete(`/api/platform/resources/${id}`)
        .set(AGENT);
      expect(second.status).toBe(202);
      await new Promise(r => setTimeout(r, 300));
      await runTask('platform-approvals-expire');
      const read = await request(server)
        .get(`/api/platform/change-requests/${second.body.changeRequest.id}`)
        .set(as(ALICE));
      expect(read.body.status).toBe('expired');
      const res = await request(server)
        .get(`/api/platform/resources/${id}`)
        .set(as(ALICE));
      expect(res.body.status.phase).not.toBe('Deleting');
      expect(engine.deleted).toEqual([]);
    });

    it('loses nothing across a restart between request and approval', async () => {
      const first = await start();
      const id = await prodDatabase(first.server, first.engine);
      const asked = await request(first.server)
        .delete(`/api/platform/resources/${id}`)
        .set(AGENT);
      expect(asked.status).toBe(202);
      await first.backend.stop();

      const second = await start({ knex: first.knex, engines: [first.engine] });
      const approved = await request(second.server)
        .post(
          `/api/platform/change-requests/${asked.body.changeRequest.id}/approve`,
        )
        .set(as(ADMIN))
        .send({});
      expect(approved.status).toBe(200);
      expect(approved.body.status).toBe('approved');
      await eventually(
        () => first.engine.deleted.some((r: any) => r.resourceId === id),
        'the engine deletes it after the restart',
      );
    });

    it('a create by an agent becomes a change request; the Idempotency-Key finds it again; approval creates the resource', async () => {
      const { server, engine } = await start();
      const dry = await request(server)
        .post('/api/platform/resources')
        .query({ dryRun: 'true' })
        .set(AGENT)
        .send(databaseRequest('agent-db'));
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({
        approvalRequired: true,
        approvalReasons: ['service-principal'],
      });
      const listedBefore = await request(server)
        .get('/api/platform/change-requests')
        .set(as(ADMIN));
      expect(listedBefore.body.items).toEqual([]);

      const send = () =>
        request(server)
          .post('/api/platform/resources')
          .set(AGENT)
          .set('Idempotency-Key', 'agent-db-1')
          .send(databaseRequest('agent-db'));
      const asked = await send();
      expect(asked.status).toBe(202);
      const again = await send();
      expect(again.status).toBe(202);
      expect(again.body.changeRequest.id).toBe(asked.body.changeRequest.id);

      const approved = await request(server)
        .post(
          `/api/platform/change-requests/${asked.body.changeRequest.id}/approve`,
        )
        .set(as(ADMIN))
        .send({});
      expect(approved.body.status).toBe('approved');
      const resourceId = approved.body.resource.id;
      expect(resourceId).toBeTruthy();
      await eventually(() => engine.applyCount(resourceId) === 1, 'apply');
      const res = await request(server)
        .get(`/api/platform/resources/${resourceId}`)
        .set(as(ALICE));
      expect(res.body).toMatchObject({
        name: 'agent-db',
        owner: 'group:default/team-a',
      });
    });

    it('a capability marked as needing approval makes every change a change request', async () => {
      const engine = memoryEngine({
        capabilities: [testCapability({ requiresApproval: true })],
      });
      const { server } = await start({ engines: [engine] });
      const asked = await request(server)
        .post('/api/platform/resources')
        .set(as(ALICE))
        .send(databaseRequest('guarded-db'));
      expect(asked.status).toBe(202);
      expect(asked.body.changeRequest.reasons).toEqual(['capability']);
      const capability = await request(server)
        .get('/api/platform/capabilities/memory:database')
        .set(as(ALICE));
      expect(capability.body.requiresApproval).toBe(true);
    });

    it('two approvals at once: one applies, the other is told it is decided', async () => {
      const { server, engine } = await start();
      const id = await prodDatabase(server, engine);
      const asked = await request(server)
        .delete(`/api/platform/resources/${id}`)
        .set(AGENT);
      const crId = asked.body.changeRequest.id;
      const approve = () =>
        request(server)
          .post(`/api/platform/change-requests/${crId}/approve`)
          .set(as(ADMIN))
          .send({});
      const answers = await Promise.all([approve(), approve()]);
      expect(answers.map(a => a.status).sort()).toEqual([200, 409]);
      await eventually(
        () => engine.deleted.some((r: any) => r.resourceId === id),
        'the engine deletes it',
      );
      expect(
        engine.deleted.filter((r: any) => r.resourceId === id),
      ).toHaveLength(1);
    });
  },
);
