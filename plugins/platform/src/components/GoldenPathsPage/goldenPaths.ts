import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { ScaffolderTask } from '@backstage/plugin-scaffolder-common';

/** The annotation a template declares the manual effort it replaces with. */
export const TIME_SAVED_ANNOTATION = 'backstage.io/time-saved';

const DURATION =
  /^P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
// Years and months have no fixed length; these are the usual approximations.
const UNIT_MS = [365 * DAY, 30 * DAY, 7 * DAY, DAY, HOUR, 60_000, 1000];

/** An ISO 8601 duration ("PT2H", "P1DT30M") in milliseconds. */
export function parseIsoDuration(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const match = DURATION.exec(text.trim().toUpperCase());
  if (!match || text.trim().length <= 1 || /T$/.test(text.trim())) {
    return undefined;
  }
  let total = 0;
  UNIT_MS.forEach((unit, i) => {
    const part = match[i + 1];
    if (part) total += Number(part.replace(',', '.')) * unit;
  });
  return total;
}

type Step = { action?: unknown };

/** The `platform:*` actions a template's steps use. */
export function platformActionsOf(template: Entity): string[] {
  const steps = (template.spec?.steps ?? []) as Step[];
  if (!Array.isArray(steps)) return [];
  const actions = steps
    .map(step => step?.action)
    .filter(
      (action): action is string =>
        typeof action === 'string' && action.startsWith('platform:'),
    );
  return [...new Set(actions)];
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** How one golden path is used. */
export interface GoldenPathStats {
  template: Entity;
  entityRef: string;
  actions: string[];
  runs: number;
  completed: number;
  failed: number;
  /** completed / (completed + failed); undefined before any finished. */
  successRate?: number;
  /** Of finished runs, last heartbeat minus creation. */
  medianDurationMs?: number;
  /** The annotation's duration, per successful run. */
  timeSavedPerRunMs?: number;
  /** Successful runs × time saved per run. */
  timeSavedMs?: number;
}

/** Runs, success rate, median duration and time saved per template. */
export function computeGoldenPathStats(
  templates: Entity[],
  tasks: ScaffolderTask[],
): GoldenPathStats[] {
  const byTemplate = new Map<string, ScaffolderTask[]>();
  for (const task of tasks) {
    const ref = task.spec?.templateInfo?.entityRef?.toLocaleLowerCase('en-US');
    if (!ref) continue;
    const list = byTemplate.get(ref) ?? [];
    list.push(task);
    byTemplate.set(ref, list);
  }

  return templates.map(template => {
    const entityRef = stringifyEntityRef(template);
    const runs = byTemplate.get(entityRef.toLocaleLowerCase('en-US')) ?? [];
    const completed = runs.filter(t => t.status === 'completed').length;
    const failed = runs.filter(t => t.status === 'failed').length;
    const durations = runs
      .filter(t => t.status === 'completed' || t.status === 'failed')
      .map(t =>
        t.lastHeartbeatAt
          ? Date.parse(t.lastHeartbeatAt) - Date.parse(t.createdAt)
          : NaN,
      )
      .filter(ms => Number.isFinite(ms) && ms >= 0);
    const perRun = parseIsoDuration(
      template.metadata.annotations?.[TIME_SAVED_ANNOTATION],
    );
    return {
      template,
      entityRef,
      actions: platformActionsOf(template),
      runs: runs.length,
      completed,
      failed,
      successRate:
        completed + failed > 0 ? completed / (completed + failed) : undefined,
      medianDurationMs: median(durations),
      timeSavedPerRunMs: perRun,
      timeSavedMs: perRun === undefined ? undefined : perRun * completed,
    };
  });
}
