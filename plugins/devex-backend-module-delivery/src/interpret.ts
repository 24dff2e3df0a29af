import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import { JsonObject } from '@backstage/types';

/**
 * A fact before mapping: the repo, login or PagerDuty service it names are
 * turned into catalog refs by the ingestor.
 */
export interface DraftFact {
  sourceId: string;
  kind: string;
  time: string;
  subject: string;
  value?: number;
  attributes: JsonObject;
  /** `<provider>:<repo>` to map to a component. */
  repo?: { provider: 'github' | 'gitlab'; name: string };
  /** A PagerDuty service id to map to a component. */
  pagerdutyService?: string;
  /** An SCM login to map to a user; `unmappable` when the payload has none usable. */
  login?: {
    provider: 'github' | 'gitlab';
    login?: string;
    unmappable?: string;
  };
}

/** What one delivery means: facts, or nothing (with why). */
export type Interpretation = { facts: DraftFact[] } | { ignored: string };

export interface InterpretOptions {
  productionEnvironments: string[];
  incidentLabel: string;
}

/** A payload that is not what its event type promises; `field` names where. */
export class PayloadError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'PayloadError';
  }
}

type Obj = Record<string, unknown>;

function obj(value: unknown, field: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PayloadError(field, 'must be an object');
  }
  return value as Obj;
}

function str(o: Obj, key: string, field: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value === '') {
    throw new PayloadError(`${field}.${key}`, 'must be a non-empty string');
  }
  return value;
}

function optStr(o: Obj, key: string): string | undefined {
  const value = o[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function id(o: Obj, key: string, field: string): string {
  const value = o[key];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '') return value;
  throw new PayloadError(`${field}.${key}`, 'must be a number or string id');
}

function time(o: Obj, key: string, field: string): string {
  const value = str(o, key, field);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new PayloadError(`${field}.${key}`, `is not a date: ${value}`);
  }
  return new Date(ms).toISOString();
}

function seconds(from: string | undefined, to: string): number | undefined {
  if (!from) return undefined;
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(s) && s >= 0 ? Math.round(s) : undefined;
}

function labelNames(labels: unknown, key: 'name' | 'title'): string[] {
  if (!Array.isArray(labels)) return [];
  const names: string[] = [];
  for (const label of labels) {
    if (typeof label === 'string') names.push(label);
    else if (typeof label === 'object' && label !== null) {
      const name = (label as Obj)[key];
      if (typeof name === 'string') names.push(name);
    }
  }
  return names;
}

function isProduction(environment: string, options: InterpretOptions) {
  const env = environment.toLocaleLowerCase('en-US');
  return options.productionEnvironments.some(
    p => p.toLocaleLowerCase('en-US') === env,
  );
}

function severityOf(labels: string[]): string | null {
  const label = labels.find(l => /^(sev|severity)\b/i.test(l));
  return label ?? null;
}

/** GitHub events (x-github-event): pull_request, deployment_status, issues. */
export function interpretGithub(
  event: string,
  payload: unknown,
  options: InterpretOptions,
): Interpretation {
  const body = obj(payload, 'body');
  const repository = obj(body.repository, 'repository');
  const repo = str(repository, 'full_name', 'repository');
  if (event === 'pull_request') {
    const pr = obj(body.pull_request, 'pull_request');
    if (body.action !== 'closed' || pr.merged !== true) {
      return { ignored: `pull_request ${String(body.action)} (not a merge)` };
    }
    const number = id(pr, 'number', 'pull_request');
    const mergedAt = time(pr, 'merged_at', 'pull_request');
    const author = obj(pr.user, 'pull_request.user');
    const base = obj(pr.base, 'pull_request.base');
    return {
      facts: [
        {
          sourceId: `github:pr/${repo}/${number}/merged`,
          kind: DevexFactKind.deliveryChangeMerged,
          time: mergedAt,
          subject: `github:pr/${repo}/${number}`,
          attributes: {
            provider: 'github',
            repo,
            number: Number(number),
            url: optStr(pr, 'html_url') ?? null,
            // Webhook payloads carry no commit dates; the backfill fills it.
            firstCommitAt: null,
            mergeSha: optStr(pr, 'merge_commit_sha') ?? null,
            baseBranch: str(base, 'ref', 'pull_request.base'),
            labels: labelNames(pr.labels, 'name'),
          },
          repo: { provider: 'github', name: repo },
          login: {
            provider: 'github',
            login: str(author, 'login', 'pull_request.user'),
          },
        },
      ],
    };
  }
  if (event === 'deployment_status') {
    const status = obj(body.deployment_status, 'deployment_status');
    const deployment = obj(body.deployment, 'deployment');
    const state = str(status, 'state', 'deployment_status');
    if (!['success', 'failure', 'error'].includes(state)) {
      return { ignored: `deployment_status ${state} (not final)` };
    }
    const deploymentId = id(deployment, 'id', 'deployment');
    const environment =
      optStr(status, 'environment') ??
      str(deployment, 'environment', 'deployment');
    const at = time(status, 'updated_at', 'deployment_status');
    return {
      facts: [
        {
          sourceId: `github:deployment/${repo}/${deploymentId}/status/${id(
            status,
            'id',
            'deployment_status',
          )}`,
          kind: DevexFactKind.deliveryDeployment,
          time: at,
          subject: `github:deployment/${repo}/${deploymentId}`,
          attributes: {
            provider: 'github',
            repo,
            id: deploymentId,
            environment,
            production: isProduction(environment, options),
            status: state,
            sha: str(deployment, 'sha', 'deployment'),
            url:
              optStr(status, 'target_url') ??
              optStr(status, 'environment_url') ??
              optStr(deployment, 'url') ??
              null,
            createdAt: time(deployment, 'created_at', 'deployment'),
          },
          repo: { provider: 'github', name: repo },
        },
      ],
    };
  }
  if (event === 'issues') {
    const issue = obj(body.issue, 'issue');
    const labels = labelNames(issue.labels, 'name');
    const wanted = options.incidentLabel.toLocaleLowerCase('en-US');
    if (!labels.some(l => l.toLocaleLowerCase('en-US') === wanted)) {
      return { ignored: `issue without the ${options.incidentLabel} label` };
    }
    const number = id(issue, 'number', 'issue');
    const incidentId = `${repo}#${number}`;
    const openedAt = time(issue, 'created_at', 'issue');
    const attributes: JsonObject = {
      provider: 'github',
      id: incidentId,
      title: str(issue, 'title', 'issue'),
      url: optStr(issue, 'html_url') ?? null,
      severity: severityOf(labels),
      openedAt,
    };
    const common = {
      subject: `github:incident/${incidentId}`,
      repo: { provider: 'github' as const, name: repo },
    };
    if (
      body.action === 'opened' ||
      body.action === 'labeled' ||
      body.action === 'reopened'
    ) {
      if (issue.state === 'closed') {
        return { ignored: 'incident label on a closed issue' };
      }
      return {
        facts: [
          {
            ...common,
            sourceId: `github:incident/${incidentId}/opened`,
            kind: DevexFactKind.deliveryIncidentOpened,
            time: openedAt,
            attributes,
          },
        ],
      };
    }
    if (body.action === 'closed') {
      const resolvedAt = time(issue, 'closed_at', 'issue');
      return {
        facts: [
          {
            ...common,
            sourceId: `github:incident/${incidentId}/resolved/${resolvedAt}`,
            kind: DevexFactKind.deliveryIncidentResolved,
            time: resolvedAt,
            value: seconds(openedAt, resolvedAt),
            attributes: { ...attributes, resolvedAt },
          },
        ],
      };
    }
    return { ignored: `issues ${String(body.action)}` };
  }
  return { ignored: `GitHub event ${event}` };
}

/** GitLab events, told apart by `object_kind`: merge_request, deployment. */
export function interpretGitlab(
  payload: unknown,
  options: InterpretOptions,
): Interpretation {
  const body = obj(payload, 'body');
  const kind = str(body, 'object_kind', 'body');
  const project = obj(body.project, 'project');
  const repo = str(project, 'path_with_namespace', 'project');
  if (kind === 'merge_request') {
    const mr = obj(body.object_attributes, 'object_attributes');
    if (mr.action !== 'merge' && !(mr.state === 'merged' && !mr.action)) {
      return { ignored: `merge_request ${String(mr.action)} (not a merge)` };
    }
    const number = id(mr, 'iid', 'object_attributes');
    const mergedAt = time(
      mr,
      optStr(mr, 'merged_at') ? 'merged_at' : 'updated_at',
      'object_attributes',
    );
    // The payload's `user` is who merged; the author only as author_id.
    const user = obj(body.user, 'user');
    const authorId = id(mr, 'author_id', 'object_attributes');
    const author =
      String(user.id) === authorId
        ? { provider: 'gitlab' as const, login: str(user, 'username', 'user') }
        : {
            provider: 'gitlab' as const,
            unmappable: `gitlab:author-id/${authorId}`,
          };
    const lastCommit =
      typeof mr.last_commit === 'object' && mr.last_commit !== null
        ? (mr.last_commit as Obj)
        : {};
    return {
      facts: [
        {
          sourceId: `gitlab:pr/${repo}/${number}/merged`,
          kind: DevexFactKind.deliveryChangeMerged,
          time: mergedAt,
          subject: `gitlab:pr/${repo}/${number}`,
          attributes: {
            provider: 'gitlab',
            repo,
            number: Number(number),
            url: optStr(mr, 'url') ?? null,
            firstCommitAt: null,
            mergeSha:
              optStr(mr, 'merge_commit_sha') ??
              optStr(lastCommit, 'id') ??
              null,
            baseBranch: str(mr, 'target_branch', 'object_attributes'),
            labels: labelNames(body.labels ?? mr.labels, 'title'),
          },
          repo: { provider: 'gitlab', name: repo },
          login: author,
        },
      ],
    };
  }
  if (kind === 'deployment') {
    const status = str(body, 'status', 'body');
    const mapped = (
      { success: 'success', failed: 'failure' } as Record<string, string>
    )[status];
    if (!mapped) {
      return { ignored: `deployment ${status} (not success or failed)` };
    }
    const deploymentId = id(body, 'deployment_id', 'body');
    const environment = str(body, 'environment', 'body');
    const at = time(body, 'status_changed_at', 'body');
    return {
      facts: [
        {
          sourceId: `gitlab:deployment/${repo}/${deploymentId}/status/${status}/${at}`,
          kind: DevexFactKind.deliveryDeployment,
          time: at,
          subject: `gitlab:deployment/${repo}/${deploymentId}`,
          attributes: {
            provider: 'gitlab',
            repo,
            id: deploymentId,
            environment,
            production: isProduction(environment, options),
            status: mapped,
            sha: optStr(body, 'commit_sha') ?? str(body, 'short_sha', 'body'),
            url: optStr(body, 'deployable_url') ?? null,
            // GitLab's deployment event has no creation time.
            createdAt: null,
          },
          repo: { provider: 'gitlab', name: repo },
        },
      ],
    };
  }
  return { ignored: `GitLab ${kind}` };
}

/** PagerDuty v3 webhooks: incident.triggered and incident.resolved. */
export function interpretPagerduty(payload: unknown): Interpretation {
  const body = obj(payload, 'body');
  const event = obj(body.event, 'event');
  const eventType = str(event, 'event_type', 'event');
  if (eventType !== 'incident.triggered' && eventType !== 'incident.resolved') {
    return { ignored: `PagerDuty ${eventType}` };
  }
  const occurredAt = time(event, 'occurred_at', 'event');
  const data = obj(event.data, 'event.data');
  const incidentId = str(data, 'id', 'event.data');
  const service = obj(data.service, 'event.data.service');
  let openedAt: string | undefined;
  if (optStr(data, 'created_at')) {
    openedAt = time(data, 'created_at', 'event.data');
  } else if (eventType === 'incident.triggered') {
    openedAt = occurredAt;
  }
  const attributes: JsonObject = {
    provider: 'pagerduty',
    id: incidentId,
    title: str(data, 'title', 'event.data'),
    url: optStr(data, 'html_url') ?? null,
    severity:
      optStr(data, 'urgency') ??
      (typeof data.priority === 'object' && data.priority
        ? optStr(data.priority as Obj, 'summary') ?? null
        : null),
    openedAt: openedAt ?? null,
  };
  const common = {
    subject: `pagerduty:incident/${incidentId}`,
    pagerdutyService: str(service, 'id', 'event.data.service'),
  };
  if (eventType === 'incident.triggered') {
    return {
      facts: [
        {
          ...common,
          sourceId: `pagerduty:incident/${incidentId}/opened`,
          kind: DevexFactKind.deliveryIncidentOpened,
          time: openedAt ?? occurredAt,
          attributes,
        },
      ],
    };
  }
  return {
    facts: [
      {
        ...common,
        sourceId: `pagerduty:incident/${incidentId}/resolved/${str(
          event,
          'id',
          'event',
        )}`,
        kind: DevexFactKind.deliveryIncidentResolved,
        time: occurredAt,
        value: seconds(openedAt, occurredAt),
        attributes: { ...attributes, resolvedAt: occurredAt },
      },
    ],
  };
}
