import { LoggerService } from '@backstage/backend-plugin-api';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';
import {
  DevexCursorStore,
  DevexFactSink,
} from '@trellis/backstage-plugin-devex-node';
import { ScaffolderTask, ScaffolderTasksClient } from './ScaffolderTasksClient';
import {
  memoOfSpec,
  outcomeFact,
  scaffolderDate,
  TaskMemo,
  TERMINAL_STATUSES,
} from './taskFacts';

/** The topic the scaffolder's task store publishes on. */
export const SCAFFOLDER_TASK_TOPIC = 'scaffolder.task';

const WATERMARK = 'backfill/since';
const memoKey = (taskId: string) => `task/${taskId}`;
const DAY_MS = 86_400_000;

/** Finds a template's `backstage.io/time-saved`, in seconds. */
export type TimeSavedLookup = (
  templateRef: string,
) => Promise<number | undefined>;

export interface ScaffolderTaskSourceOptions {
  /** How far back the first backfill reads, in days. */
  initialBackfillDays: number;
  /**
   * How long a task may stay open or processing and still hold the backfill
   * back, in days; older stuck tasks are left to the live events.
   */
  lookbackDays: number;
  pageSize: number;
  /**
   * Waits before reading a task's events again when its completion event is
   * not there yet: the scaffolder publishes the completion before it commits
   * it. Default 1, 3 and 10 seconds.
   */
  completionRetryMs?: number[];
}

/**
 * Scaffolder task outcomes as `golden-path.run` facts, from the
 * `scaffolder.task` events and a backfill over `GET /v2/tasks`.
 *
 * Completion events carry no spec: the creation and claim events' specs are
 * kept in the cursor store (so the join survives a restart) and a task seen
 * only at completion is read from the task API. Outcomes come from the
 * task's own events, which also name the failed step; each outcome has its
 * own sourceId, so the live path and the backfill write it once.
 */
export class ScaffolderTaskSource {
  /** Per task, the handling of its events in the order they arrived. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      client: ScaffolderTasksClient;
      timeSaved: TimeSavedLookup;
      sink: DevexFactSink;
      cursors: DevexCursorStore;
      logger: LoggerService;
      options: ScaffolderTaskSourceOptions;
    },
  ) {}

  /** Handles one `scaffolder.task` event payload. */
  async onEvent(payload: unknown): Promise<void> {
    const event = payload as Record<string, unknown> | undefined;
    if (!event || typeof event !== 'object') return;
    // Cancel requests and recoveries carry the task event id in `id` and the
    // task in `taskId`; creation, claim and completion carry the task in `id`.
    let taskId: string | undefined;
    if (typeof event.taskId === 'string') taskId = event.taskId;
    else if (typeof event.id === 'string') taskId = event.id;
    const status = typeof event.status === 'string' ? event.status : undefined;
    if (!taskId || !status) return;
    await this.serially(taskId, () =>
      this.handle(taskId, status, event).catch(error =>
        this.deps.logger.warn(
          `Could not record scaffolder task ${taskId} (${status}); the backfill will: ${error}`,
        ),
      ),
    );
  }

  private async handle(
    taskId: string,
    status: string,
    event: Record<string, unknown>,
  ): Promise<void> {
    const isNotice = typeof event.taskId === 'string';
    if (isNotice) {
      // `recovered`: the task runs again, processing → open → processing;
      // `cancelled`: a cancel request, the completion follows.
      const memo = await this.readMemo(taskId);
      if (memo && status === 'recovered') {
        await this.writeMemo(taskId, { ...memo, status: 'open' });
      }
      return;
    }
    if (event.spec && typeof event.spec === 'object') {
      // Creation (`open`) and claim (`processing`, with createdAt).
      const previous = await this.readMemo(taskId);
      const memo = memoOfSpec(event.spec as ScaffolderTask['spec'], {
        status,
        createdAt: event.createdAt,
        createdBy: event.createdBy as string | undefined,
      });
      await this.writeMemo(taskId, {
        ...memo,
        createdAt: memo.createdAt ?? previous?.createdAt,
        reported: previous?.reported,
      });
      return;
    }
    if (TERMINAL_STATUSES.includes(status)) {
      await this.report(taskId, {
        status,
        createdAt: scaffolderDate(event.createdAt),
        heartbeat: scaffolderDate(event.lastHeartbeatAt),
      });
    }
  }

  /**
   * Writes the outcome of a task that has completed; false when the task
   * has not (yet) got one.
   */
  private async report(
    taskId: string,
    seen: { status: string; createdAt?: string; heartbeat?: string },
    task?: ScaffolderTask,
    waitForCompletion = true,
  ): Promise<boolean> {
    let memo = await this.readMemo(taskId);
    if (!memo || !memo.createdAt) {
      // Created while devex was not listening: the task API has the spec.
      const known = task ?? (await this.deps.client.getTask(taskId));
      memo = {
        ...memoOfSpec(known.spec, known),
        reported: memo?.reported,
      };
    }
    memo.createdAt ??= seen.createdAt;
    let events = await this.deps.client.listEvents(taskId);
    const delays = waitForCompletion
      ? this.deps.options.completionRetryMs ?? [1000, 3000, 10_000]
      : [];
    for (const delay of delays) {
      if (events.some(e => e.type === 'completion')) break;
      await new Promise(resolve => setTimeout(resolve, delay));
      events = await this.deps.client.listEvents(taskId);
    }
    const timeSavedSeconds =
      seen.status === 'completed' && memo.templateRef
        ? await this.deps.timeSaved(memo.templateRef)
        : undefined;
    const fact = outcomeFact({
      taskId,
      memo,
      status: seen.status,
      events,
      timeSavedSeconds,
    });
    if (!fact) return false;
    await this.write([fact]);
    await this.writeMemo(taskId, {
      ...memo,
      status: seen.status,
      reported: { status: seen.status, heartbeat: seen.heartbeat },
    });
    return true;
  }

  /**
   * Reads the task list, newest first, back to where the last backfill left
   * off (the oldest task that was still running then), and writes the
   * outcome of every finished task not written yet.
   */
  async backfill(): Promise<{ scanned: number; reported: number }> {
    const { client, cursors, options } = this.deps;
    const now = Date.now();
    const since =
      (await cursors.get(WATERMARK)) ??
      new Date(now - options.initialBackfillDays * DAY_MS).toISOString();
    const stuckBefore = new Date(now - options.lookbackDays * DAY_MS);
    let oldestRunning: string | undefined;
    let newest: string | undefined;
    let scanned = 0;
    let reported = 0;
    for (let offset = 0; ; offset += options.pageSize) {
      const { tasks } = await client.listTasks({
        limit: options.pageSize,
        offset,
      });
      let reachedSince = false;
      for (const task of tasks) {
        const createdAt = scaffolderDate(task.createdAt);
        if (!createdAt) continue;
        if (createdAt < since) {
          reachedSince = true;
          break;
        }
        scanned++;
        newest ??= createdAt;
        if (!TERMINAL_STATUSES.includes(task.status)) {
          if (new Date(createdAt) >= stuckBefore) oldestRunning = createdAt;
          continue;
        }
        const heartbeat = scaffolderDate(task.lastHeartbeatAt);
        const memo = await this.readMemo(task.id);
        if (
          memo?.reported?.status === task.status &&
          memo.reported.heartbeat === heartbeat
        ) {
          continue;
        }
        try {
          const wrote = await this.serially(task.id, () =>
            this.report(
              task.id,
              { status: task.status, createdAt, heartbeat },
              task,
              false,
            ),
          );
          if (wrote) reported++;
        } catch (error) {
          this.deps.logger.warn(
            `Could not backfill scaffolder task ${task.id}: ${error}`,
          );
          // Keep it in the window of the next run.
          oldestRunning = createdAt;
        }
      }
      if (reachedSince || tasks.length < options.pageSize) break;
    }
    const next = oldestRunning ?? newest;
    if (next && next !== since) await cursors.set(WATERMARK, next);
    if (reported) {
      this.deps.logger.info(
        `Scaffolder backfill: ${reported} task outcome(s) recorded of ${scanned} task(s) read`,
      );
    }
    return { scanned, reported };
  }

  private async write(facts: DevexFact[]) {
    const result = await this.deps.sink.write(facts);
    for (const r of result.rejected) {
      this.deps.logger.warn(
        `DevEx refused the fact ${facts[r.index]?.sourceId}: ${r.field}: ${
          r.message
        }`,
      );
    }
  }

  private async readMemo(taskId: string): Promise<TaskMemo | undefined> {
    const text = await this.deps.cursors.get(memoKey(taskId));
    if (!text) return undefined;
    try {
      return JSON.parse(text) as TaskMemo;
    } catch {
      return undefined;
    }
  }

  private async writeMemo(taskId: string, memo: TaskMemo) {
    await this.deps.cursors.set(memoKey(taskId), JSON.stringify(memo));
  }

  private serially<T>(taskId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(taskId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(taskId, settled);
    settled.then(() => {
      if (this.queues.get(taskId) === settled) this.queues.delete(taskId);
    });
    return next;
  }
}
