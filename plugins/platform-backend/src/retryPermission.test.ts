import request from 'supertest';
import {
  ADMIN,
  ALICE,
  BOB,
  eventually,
  TEAM_A,
  asUser,
  createTestDatabases,
  startWithEngine,
  memoryEngine,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const as = asUser;

describe.each(databases.eachSupportedId())(
  'POST /resources/{id}/retry on %p',
  databaseId => {
    async function start() {
      const platform = await startWithEngine(
        databases,
        databaseId,
        memoryEngine(),
      );
      const { engine } = platform;

      /** Alice's resource in `environment`, handed to the engine already. */
      const settled = async (name: string, environment: string) => {
        const created = await request(platform.server)
          .post('/api/platform/resources')
          .set(as(ALICE))
          .send({
            capabilityRef: 'memory:database',
            name,
            environment,
            owner: TEAM_A,
            spec: { size: 'small' },
          });
        expect(created.status).toBe(201);
        const id = created.body.id as string;
        await eventually(async () => {
          const res = await request(platform.server)
            .get(`/api/platform/resources/${id}`)
            .set(as(ALICE));
          return engine.applyCount(id) === 1 && !res.body.pending;
        }, 'nothing pending');
        return id;
      };
      return { ...platform, settled };
    }

    /** The outcome the auditor recorded for the last retry event. */
    function lastRetryAudit(auditor: any) {
      const calls = (auditor.createEvent as jest.Mock).mock.calls;
      const index = calls
        .map((c: any[]) => c[0].eventId)
        .lastIndexOf('resource-retry');
      const event = (auditor.createEvent as jest.Mock).mock.results[index];
      return event.value.then((e: any) => ({
        succeeded: e.success.mock.calls.length,
        failed: e.fail.mock.calls.length,
      }));
    }

    it("refuses a retry of another team's resource even when nothing is pending, and audits it as failed", async () => {
      const { server, auditor, settled } = await start();
      const id = await settled('orders-db', 'dev');

      const res = await request(server)
        .post(`/api/platform/resources/${id}/retry`)
        .set(as(BOB));
      expect(res.status).toBe(403);
      expect(res.body.error.name).toBe('NotAllowedError');
      expect(await lastRetryAudit(auditor)).toEqual({
        succeeded: 0,
        failed: 1,
      });

      // The owner may: nothing to hand over, so it answers the resource.
      const own = await request(server)
        .post(`/api/platform/resources/${id}/retry`)
        .set(as(ALICE));
      expect(own.status).toBe(202);
      expect(own.body.pending).toBeUndefined();
      expect(await lastRetryAudit(auditor)).toEqual({
        succeeded: 1,
        failed: 0,
      });
    });

    it('refuses a retry of a production resource without the production grant', async () => {
      const { server, auditor, settled } = await start();
      const id = await settled('payroll-db', 'production');

      const res = await request(server)
        .post(`/api/platform/resources/${id}/retry`)
        .set(as(ALICE));
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(
        'platform.resource.production.change',
      );
      expect(await lastRetryAudit(auditor)).toEqual({
        succeeded: 0,
        failed: 1,
      });

      await request(server)
        .post(`/api/platform/resources/${id}/retry`)
        .set(as(ADMIN))
        .expect(202);
    });
  },
);
