import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { GoldenPathsReport } from '@trellis/backstage-plugin-devex-common';

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

/** How one golden path is used, from the DevEx figures of a range. */
export interface GoldenPathStats {
  template: Entity;
  entityRef: string;
  actions: string[];
  runs: number;
  completed: number;
  failed: number;
  /** Counted apart: neither success nor failure. */
  cancelled: number;
  /** completed / (completed + failed); undefined before any finished. */
  successRate?: number;
  medianDurationMs?: number;
  /** The annotation's duration, per successful run. */
  timeSavedPerRunMs?: number;
  /** Successful runs × time saved per run. */
  timeSavedMs?: number;
}

const seconds = (value: number | null | undefined) =>
  value === null || value === undefined ? undefined : value * 1000;

/**
 * Each template's runs, success rate, median duration and time saved, as the
 * devex backend measured them from the scaffolder's task outcomes. Templates
 * without runs in the range have zero runs and no rates.
 */
export function goldenPathStats(
  templates: Entity[],
  report: GoldenPathsReport | undefined,
): GoldenPathStats[] {
  const byTemplate = new Map(
    (report?.templates ?? []).map(t => [
      t.templateRef.toLocaleLowerCase('en-US'),
      t,
    ]),
  );
  return templates.map(template => {
    const entityRef = stringifyEntityRef(template);
    const figures = byTemplate.get(entityRef.toLocaleLowerCase('en-US'));
    const perRun = parseIsoDuration(
      template.metadata.annotations?.[TIME_SAVED_ANNOTATION],
    );
    return {
      template,
      entityRef,
      actions: platformActionsOf(template),
      runs: figures?.runs ?? 0,
      completed: figures?.completed ?? 0,
      failed: figures?.failed ?? 0,
      cancelled: figures?.cancelled ?? 0,
      successRate: figures?.successRate ?? undefined,
      medianDurationMs: seconds(figures?.medianDurationSeconds),
      timeSavedPerRunMs: perRun,
      timeSavedMs:
        perRun === undefined && !figures?.timeSavedSeconds
          ? undefined
          : seconds(figures?.timeSavedSeconds ?? 0),
    };
  });
}
