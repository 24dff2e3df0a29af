import { BackfillOptions, BackfillRun, withFirstCommit } from './backfill';
import { GitlabProject } from './CatalogMapper';
import { GitlabApi, GitlabConnection, gitlabFirstCommitOf } from './GitlabApi';
import { DraftFact, interpretGitlab, PayloadError } from './interpret';

export interface GitlabBackfillOptions extends BackfillOptions {
  projects(): Promise<GitlabProject[]>;
  /** The connection for a project, or undefined when no integration with a token covers it. */
  connectionFor(project: GitlabProject): Promise<GitlabConnection | undefined>;
  fetch?: typeof fetch;
}

interface ApiProject {
  id: number;
  path_with_namespace: string;
}

interface ApiMergeRequest {
  id: number;
  iid: number;
  state: string;
  updated_at: string;
  merged_at?: string | null;
  web_url?: string;
  target_branch: string;
  merge_commit_sha?: string | null;
  squash_commit_sha?: string | null;
  sha?: string | null;
  labels?: (string | { title?: string })[];
  author: { id: number; username: string };
}

interface ApiDeployment {
  id: number;
  status: string;
  sha?: string;
  created_at: string;
  updated_at: string;
  finished_at?: string | null;
  environment?: { name?: string };
  deployable?: { web_url?: string; finished_at?: string | null } | null;
}

const iso = (value: string) => new Date(value).toISOString();

/**
 * Keeps a list cursor honest when items share an `updated_at`: the cursor
 * moves to a time only once an item after it was seen (or the list ended),
 * so a run stopped between two items of the same time reads both again.
 */
class ListCursor {
  private done?: string;
  private current?: string;

  constructor(readonly since: string) {}

  /** Marks the start of an item (read in ascending `updated_at`). */
  reached(updatedAt: string) {
    if (this.current !== undefined && updatedAt > this.current) {
      this.done = this.current;
    }
    this.current = updatedAt;
  }

  /** The list was read to its end. */
  finished() {
    if (this.current !== undefined) this.done = this.current;
  }

  get value(): string | undefined {
    return this.done && this.done > this.since ? this.done : undefined;
  }
}

/**
 * History from before the webhooks, through GitLab's REST API v4: merged
 * merge requests (with the first commit's time) and finished deployments
 * (success, failed) of the last `days` days, per GitLab project a
 * component claims. Both lists are read in ascending `updated_at` from a
 * durable cursor per project, advanced as the run goes, so a run stopped
 * by a long rate limit resumes where it stopped, and a deployment still
 * running is read again once it finishes (its `updated_at` moves). The
 * facts are those the webhook interpreter makes of the same merge request
 * or deployment (same source ids), so neither path counts one twice.
 */
export class GitlabBackfill {
  private readonly pace: BackfillRun;

  constructor(private readonly options: GitlabBackfillOptions) {
    this.pace = new BackfillRun('GitLab', options);
  }

  async run(): Promise<{ repos: number; facts: number }> {
    return this.pace.each(
      await this.options.projects(),
      project => project.path,
      async project => {
        const connection = await this.options.connectionFor(project);
        return connection
          ? new GitlabApi(
              connection,
              ms => this.pace.wait(ms),
              this.options.fetch,
            )
          : undefined;
      },
      async (api, project) => {
        const { data } = await api.get<ApiProject>(
          api.url(`/projects/${encodeURIComponent(project.path)}`),
        );
        const key = `gitlab:${api.connection.host}/${data.path_with_namespace}`;
        return (
          (await this.mergeRequests(api, data, key)) +
          (await this.deployments(api, data, key))
        );
      },
    );
  }

  /** Reads a list from its cursor; `take` writes an item's facts. */
  private async list<T extends { updated_at: string }>(
    api: GitlabApi,
    key: string,
    path: string,
    query: Record<string, string>,
    take: (item: T) => Promise<number>,
  ): Promise<number> {
    const cursor = new ListCursor(
      this.pace.since(await this.options.cursors.get(key)),
    );
    let written = 0;
    try {
      for await (const page of api.pages<T>(path, {
        ...query,
        updated_after: cursor.since,
        order_by: 'updated_at',
        sort: 'asc',
      })) {
        for (const item of page) {
          const updatedAt = iso(item.updated_at);
          // `updated_after` may include the cursor's own time.
          if (updatedAt <= cursor.since) continue;
          cursor.reached(updatedAt);
          try {
            written += await take(item);
          } catch (error) {
            // Read again, it would fail again: logged and passed.
            if (!(error instanceof PayloadError)) throw error;
            this.options.logger.warn(
              `GitLab backfill: ${path} item updated ${updatedAt} skipped: ${error.message}`,
            );
          }
        }
      }
      cursor.finished();
    } finally {
      if (cursor.value) await this.options.cursors.set(key, cursor.value);
    }
    return written;
  }

  private async mergeRequests(
    api: GitlabApi,
    project: ApiProject,
    key: string,
  ): Promise<number> {
    const window = this.pace.since(undefined);
    return this.list<ApiMergeRequest>(
      api,
      `${key}:merge_requests`,
      `/projects/${project.id}/merge_requests`,
      { state: 'merged' },
      async mr => {
        // Merged before the window, updated since (a comment): not history asked for.
        if (!mr.merged_at || iso(mr.merged_at) < window) return 0;
        const meaning = interpretGitlab(
          {
            object_kind: 'merge_request',
            // The author, so the fact's actor is who wrote the change (the
            // webhook can name only who merged it).
            user: { id: mr.author.id, username: mr.author.username },
            project: { path_with_namespace: project.path_with_namespace },
            object_attributes: {
              iid: mr.iid,
              action: 'merge',
              state: 'merged',
              merged_at: mr.merged_at,
              updated_at: mr.updated_at,
              author_id: mr.author.id,
              url: mr.web_url,
              target_branch: mr.target_branch,
              merge_commit_sha: mr.merge_commit_sha ?? mr.squash_commit_sha,
              last_commit: mr.sha ? { id: mr.sha } : undefined,
            },
            labels: mr.labels ?? [],
          },
          this.options.interpret,
        );
        if (!('facts' in meaning)) return 0;
        const firstCommitAt = await gitlabFirstCommitOf(
          api,
          project.id,
          mr.iid,
        );
        for (const fact of meaning.facts) withFirstCommit(fact, firstCommitAt);
        return this.write(meaning.facts);
      },
    );
  }

  private async deployments(
    api: GitlabApi,
    project: ApiProject,
    key: string,
  ): Promise<number> {
    const window = this.pace.since(undefined);
    return this.list<ApiDeployment>(
      api,
      `${key}:deployments`,
      `/projects/${project.id}/deployments`,
      {},
      async deployment => {
        // Still running (or canceled): a finished one moves its updated_at
        // past the cursor and is read again.
        if (!['success', 'failed'].includes(deployment.status)) return 0;
        const finishedAt =
          deployment.finished_at ??
          deployment.deployable?.finished_at ??
          deployment.updated_at;
        if (iso(finishedAt) < window) return 0;
        const meaning = interpretGitlab(
          {
            object_kind: 'deployment',
            status: deployment.status,
            status_changed_at: finishedAt,
            deployment_id: deployment.id,
            environment: deployment.environment?.name,
            project: { path_with_namespace: project.path_with_namespace },
            commit_sha: deployment.sha,
            deployable_url: deployment.deployable?.web_url,
          },
          this.options.interpret,
        );
        if (!('facts' in meaning)) return 0;
        for (const fact of meaning.facts) {
          fact.attributes.createdAt = iso(deployment.created_at);
        }
        return this.write(meaning.facts);
      },
    );
  }

  private async write(facts: DraftFact[]): Promise<number> {
    await this.options.write(facts);
    return facts.length;
  }
}
