import { EventsService } from '@backstage/plugin-events-node';
import { TaskSpec } from '@backstage/plugin-scaffolder-common';
import { JsonObject } from '@backstage/types';
import express from 'express';
import { AddressInfo } from 'node:net';
import { Server } from 'node:http';

interface TaskRow {
  id: string;
  spec: TaskSpec;
  status: string;
  createdAt: number;
  lastHeartbeatAt: number;
  createdBy?: string;
}

interface EventRow {
  id: number;
  taskId: string;
  type: string;
  body: JsonObject;
  createdAt: number;
}

/** `YYYY-MM-DD HH:MM:SS`: what SQLite hands the task store for a timestamp. */
const sqliteDate = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
const iso = (ms: number) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString();

/**
 * The scaffolder's task store and task API as far as the devex source sees
 * them: it publishes on `scaffolder.task` exactly what
 * `@backstage/plugin-scaffolder-backend`'s DatabaseTaskStore publishes
 * (creation, claim, completion, cancel request, recovery), keeps task events
 * the way it does (a retry deletes completion and cancel events and adds a
 * recovery), and serves `GET /api/scaffolder/v2/tasks[/{id}[/events]]` over
 * real HTTP.
 */
export class FakeScaffolder {
  readonly tasks = new Map<string, TaskRow>();
  readonly taskEvents: EventRow[] = [];
  readonly requests: string[] = [];
  /** The scaffolder's clock, moved by tests. */
  now = Date.parse('2026-11-02T09:00:00Z');
  /** Answers 503 to everything while true. */
  down = false;
  /** The completion event lands only after one read of the task's events. */
  lateCompletion = false;
  private heldCompletion?: () => void;
  private nextEventId = 1;
  private nextTaskId = 1;
  private server?: Server;
  /** Where events go; replace it to model devex not listening. */
  events?: EventsService;

  async listen(port: number): Promise<string> {
    const app = express();
    app.use((req, res, next) => {
      this.requests.push(`${req.method} ${req.path}`);
      if (this.down) {
        res.status(503).json({ error: { name: 'Error', message: 'down' } });
        return;
      }
      next();
    });
    app.get('/api/scaffolder/v2/tasks', (req, res) => {
      const limit = Number(req.query.limit ?? 1000);
      const offset = Number(req.query.offset ?? 0);
      const all = [...this.tasks.values()].sort(
        (a, b) => b.createdAt - a.createdAt,
      );
      res.json({
        tasks: all.slice(offset, offset + limit).map(t => this.serialize(t)),
        totalTasks: all.length,
      });
    });
    app.get('/api/scaffolder/v2/tasks/:id', (req, res) => {
      const task = this.tasks.get(req.params.id);
      if (!task) {
        res
          .status(404)
          .json({ error: { name: 'NotFoundError', message: 'no task' } });
        return;
      }
      res.json(this.serialize(task));
    });
    app.get('/api/scaffolder/v2/tasks/:id/events', (req, res) => {
      const events = this.taskEvents.filter(e => e.taskId === req.params.id);
      if (this.heldCompletion) {
        this.heldCompletion();
        this.heldCompletion = undefined;
      }
      // As the store's trimEventsTillLastRecovery does.
      const lastRecovery = events.map(e => e.type).lastIndexOf('recovered');
      res.json(
        (lastRecovery === -1 ? events : events.slice(lastRecovery)).map(e => ({
          id: e.id,
          isTaskRecoverable: false,
          taskId: e.taskId,
          body: e.body,
          type: e.type,
          createdAt: iso(e.createdAt),
        })),
      );
    });
    this.server = await new Promise<Server>(resolve => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close() {
    await new Promise(resolve => this.server?.close(resolve));
  }

  advance(seconds: number) {
    this.now += seconds * 1000;
  }

  private serialize(t: TaskRow) {
    return {
      id: t.id,
      spec: t.spec,
      status: t.status,
      createdAt: iso(t.createdAt),
      lastHeartbeatAt: iso(t.lastHeartbeatAt),
      createdBy: t.createdBy,
    };
  }

  private async publish(eventPayload: unknown) {
    await this.events?.publish({ topic: 'scaffolder.task', eventPayload });
  }

  private addEvent(taskId: string, type: string, body: JsonObject) {
    const event = {
      id: this.nextEventId++,
      taskId,
      type,
      body,
      createdAt: this.now,
    };
    this.taskEvents.push(event);
    return event;
  }

  /** DatabaseTaskStore.createTask */
  async createTask(spec: TaskSpec, createdBy?: string): Promise<string> {
    const id = `00000000-0000-4000-8000-${String(this.nextTaskId++).padStart(
      12,
      '0',
    )}`;
    this.tasks.set(id, {
      id,
      spec,
      status: 'open',
      createdAt: this.now,
      lastHeartbeatAt: this.now,
      createdBy,
    });
    await this.publish({ id, spec, createdBy, status: 'open' });
    return id;
  }

  /** DatabaseTaskStore.claimTask */
  async claimTask(id: string) {
    const task = this.tasks.get(id)!;
    task.status = 'processing';
    task.lastHeartbeatAt = this.now;
    await this.publish({
      id,
      spec: task.spec,
      status: 'processing',
      lastHeartbeatAt: sqliteDate(task.lastHeartbeatAt),
      createdAt: sqliteDate(task.createdAt),
      createdBy: task.createdBy,
      state: undefined,
    });
  }

  /** StorageTaskBroker's emitLog */
  log(id: string, message: string, meta: JsonObject = {}) {
    this.addEvent(id, 'log', { message, ...meta });
  }

  /** DatabaseTaskStore.completeTask (as TaskWorker calls it) */
  async completeTask(
    id: string,
    status: 'completed' | 'failed' | 'cancelled',
    eventBody: JsonObject,
  ) {
    const task = this.tasks.get(id)!;
    task.status = status;
    // The store publishes before it inserts the completion event and commits
    // (and does not wait for subscribers): a subscriber may read the task's
    // events before the completion is there.
    const published = this.publish({
      id,
      status,
      lastHeartbeatAt: sqliteDate(task.lastHeartbeatAt),
      createdAt: sqliteDate(task.createdAt),
      createdBy: task.createdBy,
      state: undefined,
    });
    if (this.lateCompletion) {
      this.heldCompletion = () => this.addEvent(id, 'completion', eventBody);
    } else {
      this.addEvent(id, 'completion', eventBody);
    }
    await published;
  }

  /** DatabaseTaskStore.cancelTask */
  async cancelTask(id: string, stepId: string) {
    const body = {
      message: `Step ${stepId} has been cancelled.`,
      stepId,
      status: 'cancelled',
    };
    const event = this.addEvent(id, 'cancelled', body);
    await this.publish({ id: event.id, taskId: id, status: 'cancelled', body });
  }

  /** DatabaseTaskStore.recoverTasks for one stale task */
  async recoverTask(id: string) {
    const task = this.tasks.get(id)!;
    task.status = 'open';
    task.lastHeartbeatAt = this.now;
    const body = { recoverStrategy: 'startOver' };
    const event = this.addEvent(id, 'recovered', body);
    await this.publish({ id: event.id, taskId: id, status: 'recovered', body });
  }

  /** DatabaseTaskStore.retryTask: publishes nothing; the next claim does. */
  retryTask(id: string) {
    const task = this.tasks.get(id)!;
    task.status = 'open';
    task.lastHeartbeatAt = this.now;
    for (let i = this.taskEvents.length - 1; i >= 0; i--) {
      const e = this.taskEvents[i];
      if (
        e.taskId === id &&
        (e.type === 'completion' || e.type === 'cancelled')
      ) {
        this.taskEvents.splice(i, 1);
      }
    }
    this.addEvent(id, 'recovered', { recoverStrategy: 'none' });
  }

  /** A whole successful run, the way the task worker goes through it. */
  async runToCompletion(id: string, seconds: number, output: JsonObject = {}) {
    await this.claimTask(id);
    const task = this.tasks.get(id)!;
    for (const step of task.spec.steps) {
      this.log(id, `Beginning step ${step.name}`, {
        stepId: step.id,
        status: 'processing',
      });
      this.log(id, `Finished step ${step.name}`, {
        stepId: step.id,
        status: 'completed',
      });
    }
    this.advance(seconds);
    await this.completeTask(id, 'completed', {
      message: 'Run completed with status: completed',
      output,
    });
  }

  /** A run whose step `stepId` throws `message`. */
  async runToFailure(
    id: string,
    stepId: string,
    message: string,
    seconds: number,
  ) {
    await this.claimTask(id);
    const task = this.tasks.get(id)!;
    for (const step of task.spec.steps) {
      this.log(id, `Beginning step ${step.name}`, {
        stepId: step.id,
        status: 'processing',
      });
      if (step.id === stepId) {
        this.log(
          id,
          `Error: ${message}\n    at Object.handler (/app/node_modules/x.js:1:1)`,
          {
            stepId,
            status: 'failed',
          },
        );
        break;
      }
      this.log(id, `Finished step ${step.name}`, {
        stepId: step.id,
        status: 'completed',
      });
    }
    this.advance(seconds);
    await this.completeTask(id, 'failed', {
      message: 'Run completed with status: failed',
      error: { name: 'Error', message },
    });
  }
}

/** A golden-path template's task spec, as the scaffolder stores it. */
export function goldenPathSpec(
  user = 'user:default/alice',
  templateRef = 'template:default/postgres-service',
): TaskSpec {
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    parameters: { name: 'orders' },
    output: {},
    steps: [
      {
        id: 'fetch',
        name: 'Fetch skeleton',
        action: 'fetch:template',
        input: {},
      },
      {
        id: 'request',
        name: 'Request the database',
        action: 'platform:resource:request',
        input: {},
      },
      {
        id: 'register',
        name: 'Register',
        action: 'catalog:register',
        input: {},
      },
    ],
    templateInfo: { entityRef: templateRef, baseUrl: 'file:///templates/' },
    user: { ref: user, entity: undefined },
  } as unknown as TaskSpec;
}
