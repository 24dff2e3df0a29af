/**
 * Payloads as the providers send them. GitHub's come from
 * @octokit/webhooks-examples (GitHub's own examples); GitLab's and
 * PagerDuty's are written from their webhook documentation.
 */
import examples from '@octokit/webhooks-examples';

function github(name: string, match: (e: any) => boolean): any {
  const found = examples
    .find(d => d.name === name)
    ?.examples.find(e => match(e));
  if (!found) throw new Error(`no ${name} example`);
  return JSON.parse(JSON.stringify(found));
}

/** GitHub's closed pull request (Codertocat/Hello-World#2), as a merge. */
export function githubMergedPullRequest(
  overrides: {
    number?: number;
    login?: string;
    mergedAt?: string;
  } = {},
) {
  const body = github('pull_request', e => e.action === 'closed');
  const pr = body.pull_request;
  pr.merged = true;
  pr.merged_at = overrides.mergedAt ?? pr.closed_at;
  if (overrides.number) {
    pr.number = overrides.number;
    body.number = overrides.number;
  }
  if (overrides.login) pr.user.login = overrides.login;
  return body;
}

/** GitHub's closed, unmerged pull request: not a change. */
export const githubClosedPullRequest = () =>
  github('pull_request', e => e.action === 'closed');

/** GitHub's deployment_status example: production, success. */
export const githubDeploymentStatus = () =>
  github('deployment_status', e => e.deployment_status.state === 'success');

/** GitHub's issues "labeled" example (label `bug`). */
export const githubLabeledIssue = () =>
  github('issues', e => e.action === 'labeled');

/** GitLab's merge request hook, `action: merge` (docs: Webhook events, Merge request events). */
export function gitlabMergedMergeRequest() {
  return {
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: {
      id: 1,
      name: 'Administrator',
      username: 'root',
      avatar_url:
        'http://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=40&d=identicon',
      email: 'admin@example.com',
    },
    project: {
      id: 1,
      name: 'Gitlab Test',
      description: 'Aut reprehenderit ut est.',
      web_url: 'http://example.com/gitlabhq/gitlab-test',
      git_ssh_url: 'git@example.com:gitlabhq/gitlab-test.git',
      git_http_url: 'http://example.com/gitlabhq/gitlab-test.git',
      namespace: 'GitlabHQ',
      visibility_level: 20,
      path_with_namespace: 'gitlabhq/gitlab-test',
      default_branch: 'master',
    },
    object_attributes: {
      id: 99,
      iid: 1,
      target_branch: 'master',
      source_branch: 'ms-viewport',
      source_project_id: 14,
      author_id: 1,
      assignee_ids: [6],
      title: 'MS-Viewport',
      created_at: '2013-12-03T17:23:34Z',
      updated_at: '2013-12-03T17:23:34Z',
      merged_at: '2013-12-03T17:23:34Z',
      state: 'merged',
      merge_status: 'can_be_merged',
      merge_commit_sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      target_project_id: 14,
      url: 'http://example.com/diaspora/merge_requests/1',
      last_commit: {
        id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        message: 'fixed readme',
        timestamp: '2012-01-03T23:36:29+02:00',
        url: 'http://example.com/awesome_space/awesome_project/commits/da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        author: { name: 'GitLab dev user', email: 'gitlabdev@dv6700.(none)' },
      },
      action: 'merge',
    },
    labels: [
      {
        id: 206,
        title: 'API',
        color: '#ffffff',
        project_id: 14,
        type: 'ProjectLabel',
        group_id: 41,
      },
    ],
    repository: {
      name: 'Gitlab Test',
      url: 'http://example.com/gitlabhq/gitlab-test.git',
      description: 'Aut reprehenderit ut est.',
      homepage: 'http://example.com/gitlabhq/gitlab-test',
    },
  };
}

/** GitLab's deployment hook (docs: Webhook events, Deployment events). */
export function gitlabDeployment(status = 'success') {
  return {
    object_kind: 'deployment',
    status,
    status_changed_at: '2021-04-28 21:50:00 +0200',
    deployment_id: 15,
    deployable_id: 796,
    deployable_url:
      'http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796',
    environment: 'staging',
    environment_tier: 'staging',
    environment_slug: 'staging',
    environment_external_url: 'https://staging.example.com',
    project: {
      id: 30,
      name: 'test-deployment-webhooks',
      web_url: 'http://10.126.0.2:3000/root/test-deployment-webhooks',
      namespace: 'Administrator',
      path_with_namespace: 'gitlabhq/gitlab-test',
      default_branch: 'master',
    },
    short_sha: '279484c0',
    user: { id: 1, name: 'Administrator', username: 'root' },
    user_url: 'http://10.126.0.2:3000/root',
    commit_url:
      'http://10.126.0.2:3000/root/test-deployment-webhooks/-/commit/279484c09fbe69ededfced8c1bb6e6d24616b468',
    commit_title: 'Add new file',
  };
}

/** A PagerDuty v3 webhook (docs: V3 Webhooks, incident event data). */
export function pagerdutyIncident(
  eventType: 'incident.triggered' | 'incident.resolved',
  eventId: string,
  occurredAt: string,
) {
  return {
    event: {
      id: eventId,
      event_type: eventType,
      resource_type: 'incident',
      occurred_at: occurredAt,
      agent: {
        html_url: 'https://acme.pagerduty.com/users/PLH1HKV',
        id: 'PLH1HKV',
        self: 'https://api.pagerduty.com/users/PLH1HKV',
        summary: 'Tenex Engineer',
        type: 'user_reference',
      },
      client: null,
      data: {
        id: 'PGR0VU2',
        type: 'incident',
        self: 'https://api.pagerduty.com/incidents/PGR0VU2',
        html_url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
        number: 2,
        status: eventType === 'incident.resolved' ? 'resolved' : 'triggered',
        incident_key: 'd3640fbd41094207a1c11e58e46b1662',
        created_at: '2020-04-09T15:16:27Z',
        title: 'A little bump in the road',
        service: {
          html_url: 'https://acme.pagerduty.com/services/PF9KMXH',
          id: 'PF9KMXH',
          self: 'https://api.pagerduty.com/services/PF9KMXH',
          summary: 'API Service',
          type: 'service_reference',
        },
        assignees: [],
        escalation_policy: {
          html_url: 'https://acme.pagerduty.com/escalation_policies/PUS0KTE',
          id: 'PUS0KTE',
          self: 'https://api.pagerduty.com/escalation_policies/PUS0KTE',
          summary: 'Default',
          type: 'escalation_policy_reference',
        },
        teams: [],
        priority: null,
        urgency: 'high',
        conference_bridge: null,
        resolve_reason: null,
      },
    },
  };
}
