import { JsonObject } from '@backstage/types';
import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import { monthOf, weekOf } from './days';
import { bucketOf } from './histogram';

/** A fact as the store holds it, with its teams resolved. */
export interface StoredFact {
  id: number;
  sourceId: string;
  source: string;
  kind: string;
  time: string;
  /** The day of `time` in the reporting time zone. */
  day: string;
  actor?: string;
  teams: string[];
  entityRef?: string;
  templateRef?: string;
  capabilityRef?: string;
  subject?: string;
  value?: number;
  attributes: JsonObject;
}

/** The team scope of all figures, as rollup rows spell it. */
export const ALL = '*';

/** Rollup metric names (internal to the store and the metric readers). */
export const Metric = {
  goldenPathRuns: (status: string) => `gp.runs.${status}`,
  goldenPathTimeSaved: 'gp.time-saved',
  goldenPathDuration: 'gp.duration',
  goldenPathFailure: 'gp.failure',
  platformRequested: 'pl.requested',
  platformReady: 'pl.ready',
  platformFailed: 'pl.failed',
  platformTimeToReady: 'pl.time-to-ready',
  platformPickupWait: 'pl.pickup-wait',
  platformFailure: 'pl.failure',
  platformRollouts: (status: string) => `pl.rollouts.${status}`,
} as const;

export const GOLDEN_PATH_STATUSES = ['completed', 'failed', 'cancelled'];
export const ROLLOUT_STATUSES = ['completed', 'failed'];

/** Longest failure message kept in a rollup dimension. */
const MESSAGE_LENGTH = 200;

export interface DailyDelta {
  metric: string;
  team: string;
  dim: string;
  day: string;
  dimValue: string;
  count: number;
  sum: number;
}

export interface HistogramDelta {
  metric: string;
  team: string;
  dim: string;
  day: string;
  dimValue: string;
  bucket: number;
  count: number;
}

export interface ActiveDelta {
  team: string;
  plugin: string;
  day: string;
  actor: string;
  events: number;
}

/**
 * Whether facts of `kind` may add to the rollups (`RollupDeltas.add` does
 * nothing for the others): the store needs to know which fact a subject's
 * new fact replaces only for these.
 */
export function countsInRollups(kind: string): boolean {
  return (
    kind === DevexFactKind.activity ||
    kind === DevexFactKind.goldenPathRun ||
    kind.startsWith('platform.')
  );
}

/**
 * What one fact adds to the rollups, summed by row key, so that a batch
 * becomes one upsert per table. `add(fact, -1)` takes a superseded fact out
 * again; rows that reach zero are deleted by the store.
 */
export class RollupDeltas {
  readonly daily = new Map<string, DailyDelta>();
  readonly histogram = new Map<string, HistogramDelta>();
  readonly active = new Map<string, ActiveDelta>();
  /** Whether anything was subtracted (rows may have reached zero). */
  subtracted = false;

  get size(): number {
    return this.daily.size + this.histogram.size + this.active.size;
  }

  add(fact: StoredFact, sign: 1 | -1 = 1): void {
    if (!countsInRollups(fact.kind)) return;
    if (sign < 0) this.subtracted = true;
    const scopes = [ALL, ...fact.teams];
    const kind = fact.kind;
    if (kind === DevexFactKind.activity) {
      if (!fact.actor) return;
      const plugin = text(fact.attributes.plugin) ?? 'unknown';
      for (const team of scopes) {
        for (const p of [ALL, plugin]) {
          this.addActive(team, p, fact.day, fact.actor, sign);
        }
      }
      return;
    }
    if (kind === DevexFactKind.goldenPathRun) {
      const status = text(fact.attributes.status);
      if (!status || !GOLDEN_PATH_STATUSES.includes(status)) return;
      const template = fact.templateRef ?? 'unknown';
      for (const team of scopes) {
        const both = (metric: string, sum: number) => {
          this.addDaily(metric, team, 'all', fact.day, '', sign, sum);
          this.addDaily(
            metric,
            team,
            'template',
            fact.day,
            template,
            sign,
            sum,
          );
        };
        both(Metric.goldenPathRuns(status), 0);
        if (status === 'completed') {
          const saved = number(fact.attributes.timeSavedSeconds);
          if (saved !== undefined) both(Metric.goldenPathTimeSaved, saved);
          if (fact.value !== undefined) {
            const bucket = bucketOf(fact.value);
            this.addHistogram(
              Metric.goldenPathDuration,
              team,
              'all',
              fact.day,
              '',
              bucket,
              sign,
            );
            this.addHistogram(
              Metric.goldenPathDuration,
              team,
              'template',
              fact.day,
              template,
              bucket,
              sign,
            );
          }
        }
        if (status === 'failed') {
          const failure = JSON.stringify([
            template,
            text(fact.attributes.failedStep) ?? '',
            (text(fact.attributes.failureMessage) ?? '').slice(
              0,
              MESSAGE_LENGTH,
            ),
          ]);
          this.addDaily(
            Metric.goldenPathFailure,
            team,
            'failure',
            fact.day,
            failure,
            sign,
            0,
          );
        }
      }
      return;
    }
    if (kind.startsWith('platform.')) {
      this.addPlatform(fact, scopes, sign);
    }
  }

  private addPlatform(fact: StoredFact, scopes: string[], sign: 1 | -1) {
    const capability = fact.capabilityRef ?? 'unknown';
    for (const team of scopes) {
      const both = (metric: string) => {
        this.addDaily(metric, team, 'all', fact.day, '', sign, 0);
        this.addDaily(
          metric,
          team,
          'capability',
          fact.day,
          capability,
          sign,
          0,
        );
      };
      const histogram = (metric: string) => {
        if (fact.value === undefined) return;
        const bucket = bucketOf(fact.value);
        this.addHistogram(metric, team, 'all', fact.day, '', bucket, sign);
        this.addHistogram(
          metric,
          team,
          'capability',
          fact.day,
          capability,
          bucket,
          sign,
        );
      };
      switch (fact.kind) {
        case DevexFactKind.platformRequested:
          both(Metric.platformRequested);
          break;
        case DevexFactKind.platformPickedUp:
          histogram(Metric.platformPickupWait);
          break;
        case DevexFactKind.platformReady:
          both(Metric.platformReady);
          histogram(Metric.platformTimeToReady);
          break;
        case DevexFactKind.platformFailed: {
          both(Metric.platformFailed);
          const message = (text(fact.attributes.message) ?? '').slice(
            0,
            MESSAGE_LENGTH,
          );
          this.addDaily(
            Metric.platformFailure,
            team,
            'failure',
            fact.day,
            JSON.stringify([capability, message]),
            sign,
            0,
          );
          break;
        }
        case DevexFactKind.platformRolloutFinished: {
          const status = text(fact.attributes.status);
          if (status && ROLLOUT_STATUSES.includes(status)) {
            this.addDaily(
              Metric.platformRollouts(status),
              team,
              'all',
              fact.day,
              '',
              sign,
              0,
            );
          }
          break;
        }
        default:
      }
    }
  }

  private addDaily(
    metric: string,
    team: string,
    dim: string,
    day: string,
    dimValue: string,
    count: number,
    sum: number,
  ) {
    const key = JSON.stringify([metric, team, dim, day, dimValue]);
    const row = this.daily.get(key);
    if (row) {
      row.count += count;
      row.sum += count * sum;
    } else {
      this.daily.set(key, {
        metric,
        team,
        dim,
        day,
        dimValue,
        count,
        sum: count * sum,
      });
    }
  }

  private addHistogram(
    metric: string,
    team: string,
    dim: string,
    day: string,
    dimValue: string,
    bucket: number,
    count: number,
  ) {
    const key = JSON.stringify([metric, team, dim, day, dimValue, bucket]);
    const row = this.histogram.get(key);
    if (row) row.count += count;
    else
      this.histogram.set(key, {
        metric,
        team,
        dim,
        day,
        dimValue,
        bucket,
        count,
      });
  }

  private addActive(
    team: string,
    plugin: string,
    day: string,
    actor: string,
    events: number,
  ) {
    const key = JSON.stringify([team, plugin, day, actor]);
    const row = this.active.get(key);
    if (row) row.events += events;
    else this.active.set(key, { team, plugin, day, actor, events });
  }
}

export function activeRow(delta: ActiveDelta) {
  return { ...delta, week: weekOf(delta.day), month: monthOf(delta.day) };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value)
    ? value
    : undefined;
}
