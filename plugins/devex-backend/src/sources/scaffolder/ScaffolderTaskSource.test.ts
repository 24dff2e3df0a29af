import { mockServices } from '@backstage/backend-test-utils';
import { DefaultEventsService } from '@backstage/plugin-events-node';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';
import {
  FakeScaffolder,
  goldenPathSpec,
} from '../__testUtils__/FakeScaffolder';
import { MemoryCursors, MemorySink } from '../__testUtils__/memory';
import {
  SCAFFOLDER_TASK_TOPIC,
  ScaffolderTaskSource,
} from './ScaffolderTaskSource';
import { ScaffolderTasksClient } from './ScaffolderTasksClient';

const TEMPLATE = 'template:default/postgres-service';
const ALICE = 'user:default/alice';

describe('ScaffolderTaskSource', () => {
  const scaffolder = new FakeScaffolder();
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await scaffolder.listen(7155);
  });
  afterAll(() => scaffolder.close());

  beforeEach(() => {
    scaffolder.tasks.clear();
    scaffolder.taskEvents.length = 0;
    scaffolder.requests.length = 0;
    scaffolder.down = false;
    scaffolder.lateCompletion = false;
    scaffolder.events = undefined;
  });

  /**
   * Starts a source the way the devex plugin does, subscribed to a real
   * events service that the fake scaffolder publishes on. A second call with
   * the same cursors is a restarted devex.
   */
  async function startSource(
    options: {
      sink?: MemorySink;
      cursors?: MemoryCursors;
      pageSize?: number;
    } = {},
  ) {
    const sink = options.sink ?? new MemorySink();
    const cursors = options.cursors ?? new MemoryCursors();
    const source = new ScaffolderTaskSource({
      client: new ScaffolderTasksClient({
        discovery: mockServices.discovery.mock({
          getBaseUrl: async id => `${baseUrl}/api/${id}`,
        }),
        auth: mockServices.auth(),
      }),
      timeSaved: async ref => (ref === TEMPLATE ? 7200 : undefined),
      sink,
      cursors,
      logger: mockServices.logger.mock(),
      options: {
        initialBackfillDays: 90,
        lookbackDays: 7,
        pageSize: options.pageSize ?? 100,
        completionRetryMs: [0, 0],
      },
    });
    const events = DefaultEventsService.create({
      logger: mockServices.logger.mock(),
    }).forPlugin('devex');
    await events.subscribe({
      id: 'devex-scaffolder-source',
      topics: [SCAFFOLDER_TASK_TOPIC],
      onEvent: e => source.onEvent(e.eventPayload),
    });
    // One bus: what the scaffolder publishes, devex receives.
    scaffolder.events = events;
    return { source, sink, cursors };
  }

  const runs = (sink: MemorySink) => sink.ofKind('golden-path.run');

  it('records a completed golden path from the creation, claim and completion events', async () => {
    const { sink } = await startSource();
    const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
    await scaffolder.runToCompletion(id, 95, {
      entityRef: 'component:default/orders',
      links: [],
    });

    expect(runs(sink)).toEqual<DevexFact[]>([
      {
        sourceId: expect.stringMatching(
          new RegExp(`^scaffolder:task/${id}/completion/\\d+$`),
        ),
        kind: 'golden-path.run',
        time: new Date(scaffolder.now).toISOString(),
        subject: `scaffolder:task/${id}`,
        actor: ALICE,
        templateRef: TEMPLATE,
        entityRef: 'component:default/orders',
        value: 95,
        attributes: {
          taskId: id,
          status: 'completed',
          goldenPath: true,
          timeSavedSeconds: 7200,
        },
      },
    ]);
    // The spec came with the creation event: the task itself was not read.
    expect(scaffolder.requests).not.toContain(
      `GET /api/scaffolder/v2/tasks/${id}`,
    );
  });

  it('names the failed step and its message, and gives no time saved', async () => {
    const { sink } = await startSource();
    const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
    await scaffolder.runToFailure(
      id,
      'request',
      'platform:resource:request: memory:database is not available',
      12,
    );
    const [run] = runs(sink);
    expect(run.value).toBe(12);
    expect(run.attributes).toEqual({
      taskId: id,
      status: 'failed',
      goldenPath: true,
      failedStep: 'request (Request the database)',
      failureMessage:
        'platform:resource:request: memory:database is not available',
    });
  });

  it('keeps the join across a restart between creation and completion', async () => {
    const cursors = new MemoryCursors();
    const sink = new MemorySink();
    await startSource({ sink, cursors });
    const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
    await scaffolder.claimTask(id);

    // devex restarts: nothing in memory survives, the cursors do.
    await startSource({ sink, cursors });
    scaffolder.advance(40);
    await scaffolder.completeTask(id, 'completed', {
      message: 'Run completed with status: completed',
      output: {},
    });

    const [run] = runs(sink);
    expect(run).toMatchObject({
      templateRef: TEMPLATE,
      actor: ALICE,
      value: 40,
      attributes: {
        status: 'completed',
        goldenPath: true,
        timeSavedSeconds: 7200,
      },
    });
    expect(scaffolder.requests).not.toContain(
      `GET /api/scaffolder/v2/tasks/${id}`,
    );
  });

  it('reads the task from the scaffolder when devex missed its creation', async () => {
    const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
    await scaffolder.claimTask(id);
    const { sink } = await startSource();
    scaffolder.advance(30);
    await scaffolder.completeTask(id, 'completed', {
      message: 'done',
      output: {},
    });
    expect(runs(sink)).toHaveLength(1);
    expect(runs(sink)[0]).toMatchObject({ templateRef: TEMPLATE, value: 30 });
    expect(scaffolder.requests).toContain(`GET /api/scaffolder/v2/tasks/${id}`);
  });

  it('waits for a completion event that the scaffolder has not committed yet', async () => {
    const { sink } = await startSource();
    scaffolder.lateCompletion = true;
    const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
    await scaffolder.runToCompletion(id, 5);
    expect(runs(sink)).toHaveLength(1);
  });

  it('lets the latest status win: a recovered task runs again and completes once', async () => {
    const { sink, cursors } = await startSource();
    const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
    await scaffolder.claimTask(id);
    // The worker died: processing → open → processing.
    await scaffolder.recoverTask(id);
    expect(JSON.parse((await cursors.get(`task/${id}`))!).status).toBe('open');
    scaffolder.advance(60);
    await scaffolder.runToCompletion(id, 20);
    expect(runs(sink)).toHaveLength(1);
    expect(runs(sink)[0].attributes).toMatchObject({ status: 'completed' });
    expect(runs(sink)[0].value).toBe(80);
  });

  it('keeps each outcome of a retried task under one subject, the newest last', async () => {
    const { sink } = await startSource();
    const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
    await scaffolder.runToFailure(id, 'request', 'quota exceeded', 10);
    scaffolder.advance(300);
    scaffolder.retryTask(id);
    await scaffolder.runToCompletion(id, 10);

    const facts = runs(sink);
    expect(facts.map(f => f.attributes?.status)).toEqual([
      'failed',
      'completed',
    ]);
    expect(new Set(facts.map(f => f.subject))).toEqual(
      new Set([`scaffolder:task/${id}`]),
    );
    expect(new Set(facts.map(f => f.sourceId)).size).toBe(2);
    expect(facts[1].time > facts[0].time).toBe(true);
  });

  it('records a cancelled run as cancelled', async () => {
    const { sink } = await startSource();
    const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
    await scaffolder.claimTask(id);
    await scaffolder.cancelTask(id, 'request');
    scaffolder.advance(3);
    await scaffolder.completeTask(id, 'cancelled', { message: 'cancelled' });
    expect(runs(sink).map(f => f.attributes?.status)).toEqual(['cancelled']);
    expect(runs(sink)[0].attributes).not.toHaveProperty('timeSavedSeconds');
  });

  it('marks templates without platform actions as not golden paths', async () => {
    const { sink } = await startSource();
    const spec = goldenPathSpec(ALICE, 'template:default/docs-site');
    spec.steps = spec.steps.filter(s => !s.action.startsWith('platform:'));
    const id = await scaffolder.createTask(spec, ALICE);
    await scaffolder.runToCompletion(id, 1);
    expect(runs(sink)[0].attributes).toEqual({
      taskId: id,
      status: 'completed',
      goldenPath: false,
    });
  });

  describe('backfill', () => {
    it('records what happened while devex was down, page by page, once', async () => {
      // devex is down: nobody listens to the events.
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
        ids.push(id);
        scaffolder.advance(10);
        if (i === 2)
          await scaffolder.runToFailure(id, 'fetch', 'no skeleton', 4);
        else await scaffolder.runToCompletion(id, 7);
      }
      const running = await scaffolder.createTask(goldenPathSpec(), ALICE);
      await scaffolder.claimTask(running);

      const { source, sink } = await startSource({ pageSize: 2 });
      scaffolder.events = undefined; // the event bus is still down
      expect(await source.backfill()).toEqual({ scanned: 6, reported: 5 });
      expect(
        runs(sink)
          .map(f => f.attributes?.taskId)
          .sort(),
      ).toEqual([...ids].sort());
      expect(
        runs(sink).find(f => f.attributes?.taskId === ids[2])?.attributes,
      ).toMatchObject({
        status: 'failed',
        failedStep: 'fetch (Fetch skeleton)',
      });

      // The next run reads back to the task that was still running, and no
      // further: what it recorded before is not read again.
      scaffolder.advance(60);
      await scaffolder.completeTask(running, 'completed', {
        message: 'ok',
        output: {},
      });
      const newer = await scaffolder.createTask(goldenPathSpec(), ALICE);
      await scaffolder.runToCompletion(newer, 3);
      const eventReads = () =>
        scaffolder.requests.filter(r => r.endsWith('/events')).length;
      const before = eventReads();
      expect(await source.backfill()).toEqual({ scanned: 2, reported: 2 });
      expect(eventReads() - before).toBe(2);
      expect(runs(sink)).toHaveLength(7);

      // Nothing new: nothing written.
      expect(await source.backfill()).toMatchObject({ reported: 0 });
      expect(runs(sink)).toHaveLength(7);
    });

    it('writes an outcome the live path already recorded only once', async () => {
      const { source, sink } = await startSource();
      const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
      await scaffolder.runToCompletion(id, 5);
      await source.backfill();
      expect(runs(sink)).toHaveLength(1);
    });

    it('recovers a completion that the live path could not read', async () => {
      const { source, sink } = await startSource();
      const id = await scaffolder.createTask(goldenPathSpec(), ALICE);
      await scaffolder.claimTask(id);
      scaffolder.down = true; // the task API is unreachable at completion
      scaffolder.advance(20);
      await scaffolder.completeTask(id, 'completed', {
        message: 'ok',
        output: {},
      });
      expect(runs(sink)).toHaveLength(0);
      scaffolder.down = false;
      await source.backfill();
      expect(runs(sink)).toHaveLength(1);
      expect(runs(sink)[0]).toMatchObject({ value: 20, templateRef: TEMPLATE });
    });

    it('fails the scheduled run when the scaffolder is unreachable, leaving the cursor', async () => {
      const { source, cursors } = await startSource();
      scaffolder.down = true;
      await expect(source.backfill()).rejects.toThrow(/503|down/);
      expect(await cursors.get('backfill/since')).toBeUndefined();
    });
  });
});
