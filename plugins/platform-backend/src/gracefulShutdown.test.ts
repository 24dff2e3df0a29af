import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import request from 'supertest';
import {
  ALICE,
  asUser,
  createTestDatabases,
  databaseRequest,
  eventually,
  memoryEngine,
  startPlatform,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

/** Dispatch settings where only a hand back explains a quick takeover. */
const dispatch = (shutdownGraceSeconds: number) => ({
  dispatch: {
    retryBaseSeconds: 0.05,
    retryMaxSeconds: 0.2,
    leaseSeconds: 600,
    shutdownGraceSeconds,
  },
});

/** An engine whose applies wait until `release()`. */
function gatedEngine() {
  const engine = memoryEngine({});
  const apply = engine.apply.bind(engine);
  let open!: () => void;
  const gate = new Promise<void>(resolve => {
    open = resolve;
  });
  const started: string[] = [];
  engine.apply = async (desired, context) => {
    started.push(desired.resourceId);
    await gate;
    return apply(desired, context);
  };
  return { engine, started, release: () => open() };
}

const healthyEngine = () =>
  new InMemoryEngine({ id: 'memory', capabilities: [testCapability()] });

describe.each(databases.eachSupportedId())(
  'graceful shutdown on %p',
  databaseId => {
    it('finishes the engine calls in flight and claims nothing new while stopping', async () => {
      const knex = await databases.init(databaseId);
      const gated = gatedEngine();
      const a = await startPlatform({
        knex,
        engines: [gated.engine],
        config: dispatch(30),
      });
      const first = await request(a.server)
        .post('/api/platform/resources')
        .set(asUser(ALICE))
        .send(databaseRequest('in-flight'));
      expect(first.status).toBe(201);
      await eventually(() => gated.started.includes(first.body.id), 'apply');

      let stopped = false;
      const stopping = a.backend.stop().then(() => {
        stopped = true;
      });
      // Still serving while it drains: a request accepted now is left for
      // the other replicas, not claimed by the one going away.
      const second = await request(a.server)
        .post('/api/platform/resources')
        .set(asUser(ALICE))
        .send(databaseRequest('accepted-while-stopping'));
      expect(second.status).toBe(201);
      await a.runTask('platform-dispatch').catch(() => undefined);
      expect(stopped).toBe(false); // waiting for the engine call
      gated.release();
      await stopping;

      const rows = await knex('platform_resources')
        .whereIn('id', [first.body.id, second.body.id])
        .select('id', 'dispatch_action', 'dispatch_claimed_by');
      const byId = Object.fromEntries(rows.map(r => [r.id, r]));
      // The call it was making was finished and recorded before it stopped.
      expect(gated.engine.applyCount(first.body.id)).toBe(1);
      expect(byId[first.body.id].dispatch_action).toBeNull();
      // The later request was never claimed.
      expect(gated.started).not.toContain(second.body.id);
      expect(byId[second.body.id]).toMatchObject({
        dispatch_action: 'apply',
        dispatch_claimed_by: null,
      });

      const other = healthyEngine();
      const b = await startPlatform({
        knex,
        engines: [other],
        config: dispatch(30),
      });
      await eventually(async () => {
        await b.runTask('platform-dispatch');
        return other.applyCount(second.body.id) === 1;
      }, 'the other replica applies the later request');
      expect(other.applyCount(first.body.id)).toBe(0);
      await b.backend.stop();
    });

    it('hands back a claim whose engine call does not finish in time, so another replica takes it at once', async () => {
      const knex = await databases.init(databaseId);
      const gated = gatedEngine(); // never released: the call hangs
      const a = await startPlatform({
        knex,
        engines: [gated.engine],
        config: dispatch(0.2),
      });
      const created = await request(a.server)
        .post('/api/platform/resources')
        .set(asUser(ALICE))
        .send(databaseRequest('handed-back'));
      expect(created.status).toBe(201);
      await eventually(() => gated.started.includes(created.body.id), 'apply');
      await a.backend.stop();

      const row = await knex('platform_resources')
        .where({ id: created.body.id })
        .first();
      expect(row).toMatchObject({
        dispatch_action: 'apply',
        dispatch_claimed_by: null,
        dispatch_claimed_until: null,
      });

      // The lease is ten minutes: only the hand back lets B take it now.
      const other = healthyEngine();
      const b = await startPlatform({
        knex,
        engines: [other],
        config: dispatch(0.2),
      });
      await eventually(async () => {
        await b.runTask('platform-dispatch');
        return other.applyCount(created.body.id) === 1;
      }, 'the other replica applies it');
      other.report(created.body.id, { phase: 'Ready', observedGeneration: 1 });
      await eventually(async () => {
        const res = await request(b.server)
          .get(`/api/platform/resources/${created.body.id}`)
          .set(asUser(ALICE));
        return res.body.status?.phase === 'Ready';
      }, 'Ready');
      expect(other.applyCount(created.body.id)).toBe(1);
      await b.backend.stop();
    });
  },
);
