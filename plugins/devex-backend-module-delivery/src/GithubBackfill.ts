import { Octokit } from '@octokit/rest';
import { BackfillOptions, BackfillRun, withFirstCommit } from './backfill';
import { interpretGithub } from './interpret';

export interface GithubBackfillOptions extends BackfillOptions {
  /** An authenticated client for a repo (`owner/name`), or undefined when no integration covers it. */
  octokitFor(repo: string): Promise<Octokit | undefined>;
  repos(): Promise<string[]>;
}

/** The earliest author date of a pull request's commits (the first 250). */
export async function firstCommitOf(
  octokit: Octokit,
  repo: string,
  number: number,
): Promise<string | undefined> {
  const [owner, name] = repo.split('/');
  const { data: commits } = await octokit.pulls.listCommits({
    owner,
    repo: name,
    pull_number: number,
    per_page: 100,
  });
  const first = commits
    .map(c => c.commit.author?.date ?? c.commit.committer?.date)
    .filter((d): d is string => !!d)
    .sort()[0];
  return first ? new Date(first).toISOString() : undefined;
}

/**
 * History from before the webhooks: merged pull requests (with the first
 * commit's time) and deployments with their latest status, for the last
 * `days` days, per GitHub repo that a component claims. Each repo's progress
 * is a durable cursor (the newest `updated_at` / deployment time fully read),
 * so a stopped run continues and a finished one reads only what is new. A
 * response with no rate limit left or a `retry-after` is waited out.
 */
export class GithubBackfill {
  private readonly pace: BackfillRun;

  constructor(private readonly options: GithubBackfillOptions) {
    this.pace = new BackfillRun('GitHub', options);
  }

  async run(): Promise<{ repos: number; facts: number }> {
    return this.pace.each(
      await this.options.repos(),
      repo => repo,
      repo => this.options.octokitFor(repo),
      async (octokit, repo) =>
        (await this.pulls(octokit, repo)) +
        (await this.deployments(octokit, repo)),
    );
  }

  /** One API call, waiting out rate limits (at most three times). */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = (await fn()) as T & {
          headers?: Record<string, string | number | undefined>;
        };
        const remaining = response.headers?.['x-ratelimit-remaining'];
        const reset = response.headers?.['x-ratelimit-reset'];
        if (remaining !== undefined && Number(remaining) === 0 && reset) {
          await this.pace.wait(Number(reset) * 1000 - Date.now());
        }
        return response;
      } catch (error) {
        const e = error as {
          status?: number;
          response?: { headers?: Record<string, string | undefined> };
        };
        const headers = e.response?.headers ?? {};
        const limited =
          (e.status === 403 || e.status === 429) &&
          (headers['retry-after'] !== undefined ||
            headers['x-ratelimit-remaining'] === '0');
        if (!limited || attempt >= 3) throw error;
        const waitMs =
          headers['retry-after'] !== undefined
            ? Number(headers['retry-after']) * 1000
            : Number(headers['x-ratelimit-reset'] ?? 0) * 1000 - Date.now();
        await this.pace.wait(waitMs);
      }
    }
  }

  private async pulls(octokit: Octokit, repo: string): Promise<number> {
    const [owner, name] = repo.split('/');
    const key = `github:${repo}:pulls`;
    const since = this.pace.since(await this.options.cursors.get(key));
    let newest: string | undefined;
    let written = 0;
    for (let page = 1; ; page++) {
      const { data } = await this.call(() =>
        octokit.pulls.list({
          owner,
          repo: name,
          state: 'closed',
          sort: 'updated',
          direction: 'desc',
          per_page: 100,
          page,
        }),
      );
      const fresh = data.filter(pr => pr.updated_at > since);
      for (const pr of fresh) {
        newest = newest && newest > pr.updated_at ? newest : pr.updated_at;
        if (!pr.merged_at) continue;
        const firstCommitAt = await this.call(() =>
          firstCommitOf(octokit, repo, pr.number),
        );
        const meaning = interpretGithub(
          'pull_request',
          {
            action: 'closed',
            pull_request: { ...pr, merged: true },
            repository: { full_name: repo },
          },
          this.options.interpret,
        );
        if ('facts' in meaning) {
          for (const fact of meaning.facts) {
            withFirstCommit(fact, firstCommitAt);
          }
          await this.options.write(meaning.facts);
          written += meaning.facts.length;
        }
      }
      if (data.length < 100 || fresh.length < data.length) break;
    }
    if (newest) await this.options.cursors.set(key, newest);
    return written;
  }

  private async deployments(octokit: Octokit, repo: string): Promise<number> {
    const [owner, name] = repo.split('/');
    const key = `github:${repo}:deployments`;
    const since = this.pace.since(await this.options.cursors.get(key));
    let newest: string | undefined;
    let written = 0;
    for (let page = 1; ; page++) {
      const { data } = await this.call(() =>
        octokit.repos.listDeployments({
          owner,
          repo: name,
          per_page: 100,
          page,
        }),
      );
      const fresh = data.filter(d => d.created_at > since);
      for (const deployment of fresh) {
        const { data: statuses } = await this.call(() =>
          octokit.repos.listDeploymentStatuses({
            owner,
            repo: name,
            deployment_id: deployment.id,
            per_page: 1,
          }),
        );
        const latest = statuses[0];
        // Not final yet: the next run reads it again.
        if (!latest || !['success', 'failure', 'error'].includes(latest.state))
          continue;
        newest =
          newest && newest > deployment.created_at
            ? newest
            : deployment.created_at;
        const meaning = interpretGithub(
          'deployment_status',
          {
            deployment,
            deployment_status: latest,
            repository: { full_name: repo },
          },
          this.options.interpret,
        );
        if ('facts' in meaning) {
          await this.options.write(meaning.facts);
          written += meaning.facts.length;
        }
      }
      if (data.length < 100 || fresh.length < data.length) break;
    }
    if (newest) await this.options.cursors.set(key, newest);
    return written;
  }
}
