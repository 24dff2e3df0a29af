import request from 'supertest';
import {
  ALICE,
  asUser,
  createTestDatabases,
  databaseRequest,
  eventually,
  memoryEngine,
  startPlatform,
} from '../__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

/** An engine whose applies of resources named `slow-*` wait for `release()`. */
function slowFirstEngine() {
  const engine = memoryEngine({
    autoReconcile: true,
  });
  const apply = engine.apply.bind(engine);
  let open!: () => void;
  const gate = new Promise<void>(resolve => {
    open = resolve;
  });
  const started: string[] = [];
  engine.apply = async (desired, context) => {
    started.push(desired.name);
    if (desired.name.startsWith('slow-')) await gate;
    return apply(desired, context);
  };
  return { engine, started, release: () => open() };
}

describe.each(databases.eachSupportedId())(
  'dispatch wake-up on %p',
  databaseId => {
    it('hands a new change to the engine at once, while another engine call is still running', async () => {
      const knex = await databases.init(databaseId);
      const slow = slowFirstEngine();
      // A long lease: the pass would wait up to 30 s for the slow call.
      // The scheduled dispatch never runs (the mock scheduler runs tasks
      // only when triggered): only the change itself wakes the dispatcher.
      const platform = await startPlatform({
        knex,
        engines: [slow.engine],
        config: { dispatch: { leaseSeconds: 600 } },
      });
      try {
        const first = await request(platform.server)
          .post('/api/platform/resources')
          .set(asUser(ALICE))
          .send(databaseRequest('slow-one'));
        expect(first.status).toBe(201);
        await eventually(() => slow.started.includes('slow-one'), 'slow apply');

        const second = await request(platform.server)
          .post('/api/platform/resources')
          .set(asUser(ALICE))
          .send(databaseRequest('quick-one'));
        expect(second.status).toBe(201);
        // Applied and observed while the first call is still held up.
        const ready = await eventually(async () => {
          const r = await request(platform.server)
            .get(`/api/platform/resources/${second.body.id}`)
            .set(asUser(ALICE));
          return r.body.status?.phase === 'Ready' && r.body;
        }, 'the second resource to be Ready');
        expect(ready.observedGeneration).toBe(1);
        expect(slow.started).toEqual(['slow-one', 'quick-one']);

        // The slow call ends and is recorded; nothing was applied twice.
        slow.release();
        await eventually(async () => {
          const r = await request(platform.server)
            .get(`/api/platform/resources/${first.body.id}`)
            .set(asUser(ALICE));
          return r.body.status?.phase === 'Ready';
        }, 'the first resource to be Ready');
        expect(slow.started).toEqual(['slow-one', 'quick-one']);
      } finally {
        slow.release();
        await platform.backend.stop();
      }
    });

    it('applies a change made while the resource’s own engine call runs, once that call ends', async () => {
      const knex = await databases.init(databaseId);
      const slow = slowFirstEngine();
      const platform = await startPlatform({
        knex,
        engines: [slow.engine],
        config: { dispatch: { leaseSeconds: 600 } },
      });
      try {
        const created = await request(platform.server)
          .post('/api/platform/resources')
          .set(asUser(ALICE))
          .send({ ...databaseRequest('slow-two'), spec: { size: 'small' } });
        expect(created.status).toBe(201);
        await eventually(() => slow.started.includes('slow-two'), 'slow apply');
        const updated = await request(platform.server)
          .patch(`/api/platform/resources/${created.body.id}`)
          .set(asUser(ALICE))
          .send({ spec: { size: 'large' }, generation: 1 });
        expect(updated.status).toBe(200);
        slow.release();
        const ready = await eventually(async () => {
          const r = await request(platform.server)
            .get(`/api/platform/resources/${created.body.id}`)
            .set(asUser(ALICE));
          return (
            r.body.status?.phase === 'Ready' &&
            r.body.observedGeneration === 2 &&
            r.body
          );
        }, 'generation 2 to be applied');
        expect(ready.spec.size).toBe('large');
        expect(slow.started).toEqual(['slow-two', 'slow-two']);
      } finally {
        slow.release();
        await platform.backend.stop();
      }
    });
  },
);
