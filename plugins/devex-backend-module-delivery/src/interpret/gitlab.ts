import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import {
  id,
  isProduction,
  labelNames,
  obj,
  Obj,
  optStr,
  str,
  time,
} from './fields';
import { Interpretation, InterpretOptions } from './types';

/** The commit id at the end of `.../-/commit/<sha>` (SHA-1 or SHA-256). */
function shaOfCommitUrl(url: string | undefined): string | undefined {
  const match = url?.match(/\/commit\/([0-9a-f]{40}|[0-9a-f]{64})\/?$/i);
  return match ? match[1].toLocaleLowerCase('en-US') : undefined;
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
          // No time in the id: the API's deployments (the backfill) carry
          // no `status_changed_at`, and a deployment ends once per status.
          sourceId: `gitlab:deployment/${repo}/${deploymentId}/status/${status}`,
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
            // The full SHA (as the API and the merge request's mergeSha
            // have it): the hook names it only in `commit_url`.
            sha:
              optStr(body, 'commit_sha') ??
              shaOfCommitUrl(optStr(body, 'commit_url')) ??
              str(body, 'short_sha', 'body'),
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
