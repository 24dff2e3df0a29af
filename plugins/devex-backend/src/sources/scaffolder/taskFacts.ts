import { parseEntityRef } from '@backstage/catalog-model';
import { TaskSpec } from '@backstage/plugin-scaffolder-common';
import { JsonObject } from '@backstage/types';
import {
  DevexFact,
  DevexFactKind,
} from '@trellis/backstage-plugin-devex-common';
import { ScaffolderTaskEvent } from './ScaffolderTasksClient';

/** What a run's fact needs of its task: kept durably between its events. */
export interface TaskMemo {
  templateRef?: string;
  actor?: string;
  /** Whether the template runs `platform:*` actions. */
  goldenPath: boolean;
  /** Step ids and names, to name the failed step. */
  steps: { id: string; name?: string }[];
  /** ISO 8601. */
  createdAt?: string;
  /** The latest status seen. */
  status: string;
  /** The outcome already written: its status and heartbeat. */
  reported?: { status: string; heartbeat?: string };
}

const MAX_MESSAGE = 1000;
const MAX_STEPS = 200;
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'];

/**
 * A scaffolder date as ISO 8601. The task API answers ISO already; events
 * published on `scaffolder.task` carry the database's raw value (a Date on
 * PostgreSQL, `YYYY-MM-DD HH:MM:SS` in UTC on SQLite).
 */
export function scaffolderDate(value: unknown): string | undefined {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  }
  if (typeof value !== 'string' || !value) return undefined;
  const sqlite = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value);
  const date = new Date(sqlite ? `${value.replace(' ', 'T')}Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function userRef(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  try {
    const ref = parseEntityRef(value);
    return ref.kind.toLocaleLowerCase('en-US') === 'user' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The parts of a task's spec that its outcome fact uses. */
export function memoOfSpec(
  spec: TaskSpec,
  task: { status: string; createdAt?: unknown; createdBy?: string },
): TaskMemo {
  const steps = Array.isArray(spec?.steps) ? spec.steps : [];
  return {
    templateRef: spec?.templateInfo?.entityRef,
    actor: userRef(spec?.user?.ref) ?? userRef(task.createdBy),
    goldenPath: steps.some(
      s => typeof s?.action === 'string' && s.action.startsWith('platform:'),
    ),
    steps: steps.slice(0, MAX_STEPS).map(s => ({
      id: String(s.id),
      name: s.name ? String(s.name) : undefined,
    })),
    createdAt: scaffolderDate(task.createdAt),
    status: task.status,
  };
}

function clip(text: string): string {
  const firstLines = text.split('\n').slice(0, 3).join('\n').trim();
  return firstLines.length > MAX_MESSAGE
    ? `${firstLines.slice(0, MAX_MESSAGE - 1)}…`
    : firstLines;
}

/** The failure message of an error's text: `Error: x\n  at …` → `Error: x`. */
function errorMessage(text: string): string {
  const lines = text.split('\n');
  const stack = lines.findIndex(l => /^\s+at /.test(l));
  return clip((stack === -1 ? lines : lines.slice(0, stack)).join('\n'));
}

/**
 * The `golden-path.run` fact of a task's outcome, from its events; undefined
 * while the task has not completed (no completion event since its last
 * recovery or retry).
 */
export function outcomeFact(options: {
  taskId: string;
  memo: TaskMemo;
  /** The task's status now, when known (`completed`, `failed`, `cancelled`). */
  status?: string;
  events: ScaffolderTaskEvent[];
  timeSavedSeconds?: number;
}): DevexFact | undefined {
  const { taskId, memo, events } = options;
  const completion = [...events].reverse().find(e => e.type === 'completion');
  if (!completion) return undefined;
  const completedAt = scaffolderDate(completion.createdAt);
  if (!completedAt) return undefined;

  const body = completion.body ?? {};
  const error = body.error as JsonObject | undefined;
  const cancelled = events.some(e => e.type === 'cancelled');
  let status: 'completed' | 'failed' | 'cancelled';
  if (cancelled || options.status === 'cancelled') status = 'cancelled';
  else if (options.status === 'failed' || options.status === 'completed')
    status = options.status;
  else status = error ? 'failed' : 'completed';

  const attributes: JsonObject = {
    taskId,
    status,
    goldenPath: memo.goldenPath,
  };
  if (status === 'failed') {
    const failedLog = [...events]
      .reverse()
      .find(
        e =>
          e.type === 'log' &&
          e.body?.status === 'failed' &&
          typeof e.body?.stepId === 'string',
      );
    if (failedLog) {
      const stepId = String(failedLog.body.stepId);
      const step = memo.steps.find(s => s.id === stepId);
      attributes.failedStep = step?.name ? `${stepId} (${step.name})` : stepId;
    }
    const message =
      (typeof error?.message === 'string' && error.message) ||
      (typeof failedLog?.body?.message === 'string' &&
        errorMessage(failedLog.body.message)) ||
      (typeof body.message === 'string' && body.message) ||
      undefined;
    if (message) attributes.failureMessage = clip(message);
  }
  if (status === 'completed' && options.timeSavedSeconds !== undefined) {
    attributes.timeSavedSeconds = options.timeSavedSeconds;
  }

  const output = body.output as JsonObject | undefined;
  const created = memo.createdAt ? Date.parse(memo.createdAt) : NaN;
  const fact: DevexFact = {
    // One fact per outcome: a retried task completes again, with a new
    // completion event, and the newest fact of the subject wins.
    sourceId: `scaffolder:task/${taskId}/completion/${completion.id}`,
    kind: DevexFactKind.goldenPathRun,
    time: completedAt,
    subject: `scaffolder:task/${taskId}`,
    attributes,
  };
  if (memo.actor) fact.actor = memo.actor;
  if (memo.templateRef) fact.templateRef = memo.templateRef;
  if (typeof output?.entityRef === 'string') fact.entityRef = output.entityRef;
  if (Number.isFinite(created)) {
    fact.value = Math.max(0, (Date.parse(completedAt) - created) / 1000);
  }
  return fact;
}
