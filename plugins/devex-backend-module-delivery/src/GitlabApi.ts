import {
  getGitLabRequestOptions,
  ScmIntegrationRegistry,
} from '@backstage/integration';
import { GitlabProject } from './CatalogMapper';

/** Where a GitLab project's API is and how to authenticate to it. */
export interface GitlabConnection {
  /** The integration's host, e.g. `gitlab.com` (names the cursors). */
  host: string;
  /** The REST API v4 base, e.g. `https://gitlab.com/api/v4`. */
  apiBaseUrl: string;
  /** The token header (`getGitLabRequestOptions`). */
  headers: Record<string, string>;
}

/**
 * The GitLab integrations that have a token (readGitLabIntegrationConfigs
 * always adds a tokenless gitlab.com, which is not one), and the one a
 * project goes to: the host its `gitlab.com/instance` names, else its source
 * location's host, else the first one configured.
 */
export function gitlabConnections(integrations: ScmIntegrationRegistry) {
  const withToken = integrations.gitlab.list().filter(i => i.config.token);
  const byHost = (host?: string) =>
    host
      ? withToken.find(i => i.config.host.toLowerCase() === host.toLowerCase())
      : undefined;
  return {
    configured: withToken.length > 0,
    async connectionFor(
      project: GitlabProject,
    ): Promise<GitlabConnection | undefined> {
      const integration = project.host
        ? byHost(project.host)
        : byHost(project.sourceHost) ?? withToken[0];
      if (!integration) return undefined;
      return {
        host: integration.config.host,
        apiBaseUrl: integration.config.apiBaseUrl,
        headers: getGitLabRequestOptions(integration.config).headers,
      };
    },
  };
}

/** A GitLab answer that is neither a success nor a rate limit. */
export class GitlabApiError extends Error {
  constructor(readonly status: number, url: string, message: string) {
    super(`GitLab ${status} for ${url}: ${message}`);
    this.name = 'GitlabApiError';
  }
}

/** Milliseconds until a 429 may be retried: Retry-After, else RateLimit-Reset. */
export function retryAfterMs(headers: Headers, nowMs = Date.now()): number {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return seconds * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return at - nowMs;
  }
  const reset = Number(headers.get('ratelimit-reset'));
  if (reset > 0) return reset * 1000 - nowMs;
  // GitLab's throttles count per minute.
  return 60_000;
}

/**
 * GitLab's REST API v4 with plain fetch: the token header, pages followed
 * through the `Link` header (or `x-next-page`), and a 429 (or a response
 * with `RateLimit-Remaining: 0`) handed to `wait` before it is tried again.
 */
export class GitlabApi {
  private readonly fetch: typeof fetch;

  constructor(
    readonly connection: GitlabConnection,
    private readonly wait: (ms: number) => Promise<void>,
    fetchImpl?: typeof fetch,
  ) {
    this.fetch = fetchImpl ?? globalThis.fetch;
  }

  url(path: string, query: Record<string, string> = {}): string {
    const url = new URL(`${this.connection.apiBaseUrl}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url.toString();
  }

  /** One GET, waiting out rate limits (at most three times). */
  async get<T>(url: string): Promise<{ data: T; headers: Headers }> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.fetch(url, {
        headers: { accept: 'application/json', ...this.connection.headers },
      });
      const remaining = response.headers.get('ratelimit-remaining');
      if (
        response.status === 429 ||
        (response.status === 403 && remaining === '0')
      ) {
        // Read to the end so the connection is free for the retry.
        await response.text().catch(() => undefined);
        if (attempt >= 3) {
          throw new GitlabApiError(response.status, url, 'still rate limited');
        }
        await this.wait(retryAfterMs(response.headers));
        continue;
      }
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        throw new GitlabApiError(response.status, url, text.slice(0, 200));
      }
      const data = (await response.json()) as T;
      const reset = Number(response.headers.get('ratelimit-reset'));
      if (remaining === '0' && reset > 0) {
        await this.wait(reset * 1000 - Date.now());
      }
      return { data, headers: response.headers };
    }
  }

  /** Every page of a list, one page at a time. */
  async *pages<T>(
    path: string,
    query: Record<string, string> = {},
  ): AsyncGenerator<T[]> {
    let url: string | undefined = this.url(path, { per_page: '100', ...query });
    while (url) {
      const { data, headers }: { data: T[]; headers: Headers } = await this.get<
        T[]
      >(url);
      yield data;
      url = this.next(url, headers);
    }
  }

  /** The next page's URL: `Link: <…>; rel="next"` (same origin only), else `x-next-page`. */
  private next(current: string, headers: Headers): string | undefined {
    const link = headers.get('link');
    const next = link
      ?.split(',')
      .map(part => part.match(/<([^>]+)>\s*;\s*rel="?next"?/))
      .find(m => m)?.[1];
    if (next) {
      const url = new URL(next, current);
      // The token goes only where the integration points.
      if (url.origin === new URL(this.connection.apiBaseUrl).origin) {
        return url.toString();
      }
    }
    const page = headers.get('x-next-page');
    if (!page) return undefined;
    const url = new URL(current);
    url.searchParams.set('page', page);
    return url.toString();
  }
}

interface ApiCommit {
  authored_date?: string | null;
  committed_date?: string | null;
  created_at?: string | null;
}

/** The earliest author date of a merge request's commits (every page). */
export async function gitlabFirstCommitOf(
  api: GitlabApi,
  project: string | number,
  iid: number,
): Promise<string | undefined> {
  let first: string | undefined;
  for await (const commits of api.pages<ApiCommit>(
    `/projects/${encodeURIComponent(
      String(project),
    )}/merge_requests/${iid}/commits`,
  )) {
    for (const c of commits) {
      const date = c.authored_date ?? c.committed_date ?? c.created_at;
      if (!date) continue;
      const iso = new Date(date).toISOString();
      if (!first || iso < first) first = iso;
    }
  }
  return first;
}
