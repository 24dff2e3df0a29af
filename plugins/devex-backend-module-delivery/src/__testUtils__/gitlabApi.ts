/**
 * GitLab REST API v4 answers shaped as GitLab documents them (Merge
 * requests API, Commits, Deployments API, REST API pagination and rate
 * limits), and msw handlers serving them the way GitLab does: filtered by
 * `updated_after` (inclusive), ordered by `updated_at` ascending, 100 per
 * page with `x-next-page` and a `Link` header.
 */
import { http, HttpResponse } from 'msw';

const user = (id: number, username: string) => ({
  id,
  username,
  name: username,
  state: 'active',
  locked: false,
  avatar_url: `https://www.gravatar.com/avatar/${id}?s=80&d=identicon`,
  web_url: `https://gitlab.test/${username}`,
});

export function apiProject(id: number, pathWithNamespace: string) {
  const [namespace, ...rest] = pathWithNamespace.split('/');
  return {
    id,
    description: null,
    name: rest[rest.length - 1],
    name_with_namespace: pathWithNamespace.replace(/\//g, ' / '),
    path: rest[rest.length - 1],
    path_with_namespace: pathWithNamespace,
    created_at: '2013-09-30T13:46:02Z',
    default_branch: 'master',
    web_url: `https://gitlab.test/${pathWithNamespace}`,
    namespace: { id: 2, name: namespace, path: namespace, kind: 'group' },
  };
}

/** A merged merge request as `GET /projects/:id/merge_requests` lists it. */
export function apiMergeRequest(options: {
  projectId: number;
  path: string;
  iid: number;
  updatedAt: string;
  mergedAt: string;
  author?: { id: number; username: string };
  labels?: string[];
}) {
  const author = options.author ?? { id: 7, username: 'ada' };
  return {
    id: 1000 + options.iid,
    iid: options.iid,
    project_id: options.projectId,
    title: `Change ${options.iid}`,
    description: 'Fixed login page css paddings',
    state: 'merged',
    merged_by: user(1, 'root'),
    merge_user: user(1, 'root'),
    merged_at: options.mergedAt,
    closed_by: null,
    closed_at: null,
    created_at: options.mergedAt,
    updated_at: options.updatedAt,
    target_branch: 'master',
    source_branch: `change-${options.iid}`,
    upvotes: 0,
    downvotes: 0,
    author: user(author.id, author.username),
    assignees: [],
    reviewers: [],
    source_project_id: options.projectId,
    target_project_id: options.projectId,
    labels: options.labels ?? ['feature'],
    draft: false,
    work_in_progress: false,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: 'can_be_merged',
    detailed_merge_status: 'not_open',
    sha: `${options.iid}`.padStart(40, 'a'),
    merge_commit_sha: `${options.iid}`.padStart(40, 'c'),
    squash_commit_sha: null,
    user_notes_count: 0,
    discussion_locked: null,
    should_remove_source_branch: true,
    force_remove_source_branch: false,
    web_url: `https://gitlab.test/${options.path}/-/merge_requests/${options.iid}`,
    references: {
      short: `!${options.iid}`,
      relative: `!${options.iid}`,
      full: `${options.path}!${options.iid}`,
    },
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    squash: false,
    task_completion_status: { count: 0, completed_count: 0 },
  };
}

/** A commit as `GET /projects/:id/merge_requests/:iid/commits` lists it. */
export function apiCommit(sha: string, authoredDate: string) {
  return {
    id: sha,
    short_id: sha.slice(0, 11),
    title: 'Replace sanitize with escape once',
    author_name: 'Example User',
    author_email: 'user@example.com',
    authored_date: authoredDate,
    committer_name: 'Example User',
    committer_email: 'user@example.com',
    committed_date: authoredDate,
    created_at: authoredDate,
    message: 'Replace sanitize with escape once',
    web_url: `https://gitlab.test/-/commit/${sha}`,
  };
}

/** A deployment as `GET /projects/:id/deployments` lists it. */
export function apiDeployment(options: {
  path: string;
  id: number;
  status: string;
  environment: string;
  createdAt: string;
  updatedAt: string;
  sha?: string;
}) {
  const sha = options.sha ?? `${options.id}`.padStart(40, 'd');
  const finished = ['success', 'failed', 'canceled'].includes(options.status);
  return {
    id: options.id,
    iid: options.id,
    ref: 'master',
    sha,
    created_at: options.createdAt,
    updated_at: options.updatedAt,
    finished_at: finished ? options.updatedAt : null,
    status: options.status,
    user: user(1, 'root'),
    environment: {
      id: 9,
      name: options.environment,
      external_url: 'https://about.gitlab.com',
    },
    deployable: {
      id: 600 + options.id,
      status: options.status,
      stage: 'deploy',
      name: 'deploy',
      ref: 'master',
      tag: false,
      coverage: null,
      created_at: options.createdAt,
      started_at: options.createdAt,
      finished_at: finished ? options.updatedAt : null,
      web_url: `https://gitlab.test/${options.path}/-/jobs/${600 + options.id}`,
      commit: {
        id: sha,
        short_id: sha.slice(0, 8),
        title: 'Merge branch into master',
        author_name: 'Administrator',
        author_email: 'admin@example.com',
        created_at: options.createdAt,
      },
    },
  };
}

/** What the fake GitLab holds and what it was asked. */
export interface FakeGitlab {
  projects: ReturnType<typeof apiProject>[];
  mergeRequests: Map<number, ReturnType<typeof apiMergeRequest>[]>;
  deployments: Map<number, ReturnType<typeof apiDeployment>[]>;
  /** By merge request iid. */
  commits: Map<number, ReturnType<typeof apiCommit>[]>;
  /** Every request, as `METHOD path?query`. */
  calls: string[];
  /** Answers a request with a rate limit when it returns a response. */
  limit?: (url: URL) => Response | undefined;
  /** `link`: only a Link header for the next page (no x-next-page). */
  pagination?: 'headers' | 'link';
}

export function fakeGitlab(): FakeGitlab {
  return {
    projects: [],
    mergeRequests: new Map(),
    deployments: new Map(),
    commits: new Map(),
    calls: [],
  };
}

/** A 429 as GitLab sends it: Retry-After and the RateLimit-* headers. */
export function tooManyRequests(retryAfterSeconds: number) {
  const reset = Math.floor(Date.now() / 1000) + retryAfterSeconds;
  return new HttpResponse('Retry later\n', {
    status: 429,
    headers: {
      'content-type': 'text/plain',
      'retry-after': String(retryAfterSeconds),
      'ratelimit-name': 'throttle_authenticated_api',
      'ratelimit-limit': '2000',
      'ratelimit-observed': '2001',
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(reset),
      'ratelimit-resettime': new Date(reset * 1000).toUTCString(),
    },
  });
}

function page<T>(gitlab: FakeGitlab, url: URL, items: T[]) {
  const perPage = Number(url.searchParams.get('per_page') ?? 20);
  const current = Number(url.searchParams.get('page') ?? 1);
  const slice = items.slice((current - 1) * perPage, current * perPage);
  const more = current * perPage < items.length;
  const headers: Record<string, string> = {
    'x-page': String(current),
    'x-per-page': String(perPage),
    'x-total': String(items.length),
    'x-total-pages': String(Math.max(1, Math.ceil(items.length / perPage))),
    'ratelimit-remaining': '1999',
  };
  if (gitlab.pagination !== 'link') {
    headers['x-next-page'] = more ? String(current + 1) : '';
    headers['x-prev-page'] = current > 1 ? String(current - 1) : '';
  }
  if (more) {
    const next = new URL(url);
    next.searchParams.set('page', String(current + 1));
    headers.link = `<${next}>; rel="next", <${url}>; rel="first"`;
  }
  return HttpResponse.json(slice, { headers });
}

function updatedSince<T extends { updated_at: string }>(url: URL, items: T[]) {
  const after = url.searchParams.get('updated_after');
  if (url.searchParams.get('order_by') !== 'updated_at' && after) {
    // DeploymentsFinder: "`updated_at` filter requires `updated_at` sort".
    throw new Error('updated_after without order_by=updated_at');
  }
  return items
    .filter(i => !after || Date.parse(i.updated_at) >= Date.parse(after))
    .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at));
}

/** msw handlers for one fake GitLab at `apiBaseUrl`. */
export function gitlabHandlers(apiBaseUrl: string, gitlab: FakeGitlab) {
  const seen = (request: Request) => {
    const url = new URL(request.url);
    gitlab.calls.push(
      `${request.method} ${url.pathname.replace(
        new URL(apiBaseUrl).pathname,
        '',
      )}${url.search}`,
    );
    return { url, limited: gitlab.limit?.(url) };
  };
  const notFound = () =>
    HttpResponse.json({ message: '404 Project Not Found' }, { status: 404 });
  const project = (id: string) =>
    gitlab.projects.find(
      p =>
        String(p.id) === id ||
        p.path_with_namespace.toLowerCase() === id.toLowerCase(),
    );
  return [
    http.get(`${apiBaseUrl}/projects/:id`, ({ request, params }) => {
      const { limited } = seen(request);
      if (limited) return limited;
      const found = project(decodeURIComponent(String(params.id)));
      return found ? HttpResponse.json(found) : notFound();
    }),
    http.get(
      `${apiBaseUrl}/projects/:id/merge_requests`,
      ({ request, params }) => {
        const { url, limited } = seen(request);
        if (limited) return limited;
        const found = project(String(params.id));
        if (!found) return notFound();
        const merged = (gitlab.mergeRequests.get(found.id) ?? []).filter(
          mr =>
            url.searchParams.get('state') !== 'merged' || mr.state === 'merged',
        );
        return page(gitlab, url, updatedSince(url, merged));
      },
    ),
    http.get(
      `${apiBaseUrl}/projects/:id/merge_requests/:iid/commits`,
      ({ request, params }) => {
        const { url, limited } = seen(request);
        if (limited) return limited;
        // Newest first, as GitLab lists them.
        const commits = [
          ...(gitlab.commits.get(Number(params.iid)) ?? []),
        ].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
        return page(gitlab, url, commits);
      },
    ),
    http.get(
      `${apiBaseUrl}/projects/:id/deployments`,
      ({ request, params }) => {
        const { url, limited } = seen(request);
        if (limited) return limited;
        const found = project(String(params.id));
        if (!found) return notFound();
        return page(
          gitlab,
          url,
          updatedSince(url, gitlab.deployments.get(found.id) ?? []),
        );
      },
    ),
  ];
}
