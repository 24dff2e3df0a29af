import { JsonObject } from '@backstage/types';

/**
 * A fact: one thing that happened, as a source observed it. Facts are
 * append-only; a fact whose `sourceId` is already stored is ignored, so a
 * source may deliver the same fact any number of times.
 *
 * Sources that observe something whose outcome can change later (a scaffolder
 * task that fails and is then retried to success) give every fact about it the
 * same `subject`: metrics count only the newest fact of a subject and kind
 * (by `time`, then by arrival), so the latest status wins without rewriting
 * history. Facts of different kinds never supersede each other, so a
 * resource's `platform.requested` and `platform.ready` may share a subject.
 *
 * @public
 */
export interface DevexFact {
  /**
   * Unique per source and occurrence, e.g. `scaffolder:task/<id>/completed`
   * or `platform:event/<event id>`. At most 255 characters.
   */
  sourceId: string;
  /** What happened; one of {@link DevexFactKind} or a source's own `<source>.<name>` kind. */
  kind: string;
  /** When it happened (ISO 8601), not when it was delivered. */
  time: string;
  /** The user entity ref of who did it, when a person did. */
  actor?: string;
  /**
   * The actor's teams (group entity refs) at `time`. Left out, the store fills
   * it from the catalog membership it knows for `time`.
   */
  teams?: string[];
  /** The catalog entity it concerns (a component, a resource). */
  entityRef?: string;
  /** The scaffolder template, for golden-path runs. */
  templateRef?: string;
  /** The platform capability (`<engine>:<name>`), for platform facts. */
  capabilityRef?: string;
  /** Facts about the same thing whose latest one wins, e.g. `scaffolder:task/<id>`. */
  subject?: string;
  /** The kind's measure, e.g. a duration in seconds. Unit documented per kind. */
  value?: number;
  /** Kind-specific details (documented per kind in docs/devex.md). */
  attributes?: JsonObject;
}

/**
 * The fact kinds Trellis's own sources write and its metrics read.
 *
 * @public
 */
export const DevexFactKind = {
  /**
   * A person used the portal: a page view or an action reported by the
   * frontend analytics implementation. attributes: `plugin`, `action`,
   * `subject`, `path`. No value.
   */
  activity: 'activity',
  /**
   * A scaffolder task reached an outcome. subject = `scaffolder:task/<id>`;
   * value = duration in seconds (created → completed); attributes: `taskId`,
   * `status` (`completed` | `failed` | `cancelled`), `failedStep`,
   * `failureMessage`, `timeSavedSeconds` (the template's
   * `backstage.io/time-saved`, only for completed runs), `goldenPath`
   * (whether the template creates platform resources).
   */
  goldenPathRun: 'golden-path.run',
  /**
   * The platform accepted a request for a resource. entityRef = the resource's
   * component; attributes: `resourceId`, `environment`, `engine`, `owner`.
   */
  platformRequested: 'platform.requested',
  /**
   * An engine picked a request up (the first phase after Pending).
   * value = seconds from request to pick-up.
   */
  platformPickedUp: 'platform.picked-up',
  /** A resource became Ready for the first time. value = seconds from request. */
  platformReady: 'platform.ready',
  /** A resource failed. attributes: `message`, `phaseBefore`. */
  platformFailed: 'platform.failed',
  /** A resource was deleted. */
  platformDeleted: 'platform.deleted',
  /** A rollout finished. attributes: `rolloutId`, `status` (`completed` | `failed`), `targetVersion`. */
  platformRolloutFinished: 'platform.rollout.finished',
} as const;

/** @public */
export type DevexFactKindName =
  (typeof DevexFactKind)[keyof typeof DevexFactKind];

/** The answer to a batch of facts: how many were new, and what was refused. @public */
export interface IngestResult {
  /** Facts stored now. */
  accepted: number;
  /** Facts already stored before (same sourceId): not stored twice. */
  duplicates: number;
  /** Facts refused, with the position in the batch and the field at fault. */
  rejected: { index: number; field: string; message: string }[];
}
