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
  /**
   * A pull request (GitHub) or merge request (GitLab) was merged.
   * subject = `<provider>:pr/<repo>/<number>`; time = merged at; actor = the
   * catalog user of the author (left out when the SCM login maps to no user;
   * such facts are counted as unmapped users); entityRef = the component whose
   * `github.com/project-slug` / `gitlab.com/project-slug` is the repo (left out
   * when none: counted as an unmapped repo); value = seconds from the first
   * commit to the merge (left out when the first commit is unknown).
   * attributes: `provider` (`github` | `gitlab`), `repo` (`owner/name` or the
   * GitLab path with namespace), `number`, `url`, `firstCommitAt` (ISO 8601,
   * or null when unknown), `mergeSha`, `baseBranch`, `labels` (string[]).
   */
  deliveryChangeMerged: 'delivery.change.merged',
  /**
   * A deployment reached a final status. subject =
   * `<provider>:deployment/<repo>/<id>` (the latest status wins); time = the
   * status time; entityRef = the component of the repo. attributes:
   * `provider`, `repo`, `id`, `environment`, `production` (boolean: the
   * environment is in `devex.delivery.productionEnvironments`, default
   * `['production', 'prod']`, compared case-insensitively), `status`
   * (`success` | `failure` | `error`), `sha`, `url`, `createdAt`. No value.
   */
  deliveryDeployment: 'delivery.deployment',
  /**
   * An incident was opened. subject = `<provider>:incident/<id>`; time = opened
   * at; entityRef = the component (PagerDuty: the component annotated
   * `pagerduty.com/service-id` with the incident's service; GitHub: the repo's
   * component, for an issue carrying the incident label). attributes:
   * `provider` (`pagerduty` | `github`), `id`, `title`, `url`, `severity`
   * (PagerDuty urgency `high` | `low`, or the GitHub severity label, or null),
   * `openedAt`. No value.
   */
  deliveryIncidentOpened: 'delivery.incident.opened',
  /**
   * An incident was resolved. Same subject, entityRef and attributes as
   * {@link DevexFactKind.deliveryIncidentOpened}, plus `resolvedAt`; time =
   * resolved at; value = seconds from opened to resolved (when `openedAt` is known).
   */
  deliveryIncidentResolved: 'delivery.incident.resolved',
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
