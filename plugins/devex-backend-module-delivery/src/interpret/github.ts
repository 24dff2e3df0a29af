import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import { JsonObject } from '@backstage/types';
import {
  id,
  isProduction,
  labelNames,
  obj,
  optStr,
  seconds,
  severityOf,
  str,
  time,
} from './fields';
import { Interpretation, InterpretOptions } from './types';

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
