import { LoggerService } from '@backstage/backend-plugin-api';
import { DevexCursorStore } from '@trellis/backstage-plugin-devex-node';
import { Octokit } from '@octokit/rest';
import { DraftFact, InterpretOptions, interpretGithub } from './interpret';

/** Writes mapped facts (DeliveryIngestor.writeDrafts). */
export type DraftWriter = (drafts: DraftFact[]) => Promise<unknown>;

export interface GithubBackfillOptions {
  /** An authenticated client for a repo (`owner/name`), or undefined when no integration covers it. */
  octokitFor(repo: string): Promise<Octokit | undefined>;
  repos(): Promise<string[]>;
  write: DraftWriter;
  cursors: DevexCursorStore;
  logger: LoggerService;
  interpret: InterpretOptions;
  days: number;
  /** Longest wait for a rate limit inside one run; longer stops the run (resumed next time). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

class RateLimitedLongerThanARun extends Error {}

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

/** Sets a change's `firstCommitAt` and its value (seconds to the merge). */
export function withFirstCommit(fact: DraftFact, firstCommitAt?: string) {
  if (!firstCommitAt) return;
  fact.attributes.firstCommitAt = firstCommitAt;
  const s = Math.round(
    (Date.parse(fact.time) - Date.parse(firstCommitAt)) / 1000,
  );
  if (s >= 0) fact.value = s;
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
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: GithubBackfillOptions) {
    this.sleep =
      options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)));
  }

  async run(): Promise<{ repos: number; facts: number }> {
    let facts = 0;
    let repos = 0;
    for (const repo of await this.options.repos()) {
      const octokit = await this.options.octokitFor(repo);
      if (!octokit) continue;
      repos++;
      try {
        facts += await this.pulls(octokit, repo);
        facts += await this.deployments(octokit, repo);
      } catch (error) {
        if (error instanceof RateLimitedLongerThanARun) {
          this.options.logger.info(
            `GitHub backfill paused at ${repo}: ${error.message}`,
          );
          break;
        }
        this.options.logger.warn(
          `GitHub backfill of ${repo} failed; it continues next run`,
          error as Error,
        );
      }
    }
    return { repos, facts };
  }

  private since(cursor: string | undefined): string {
    const now = (this.options.now ?? (() => new Date()))();
    const window = new Date(
      now.getTime() - this.options.days * 86_400_000,
    ).toISOString();
    return cursor && cursor > window ? cursor : window;
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
          await this.wait(Number(reset) * 1000 - Date.now());
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
        await this.wait(waitMs);
      }
    }
  }

  private async wait(ms: number) {
    const waitMs = Math.max(0, Math.min(ms, 24 * 3_600_000));
    if (waitMs > (this.options.maxWaitMs ?? 15 * 60_000)) {
      throw new RateLimitedLongerThanARun(
        `rate limited for ${Math.round(waitMs / 1000)} s`,
      );
    }
    this.options.logger.info(
      `GitHub rate limit: waiting ${Math.round(waitMs / 1000)} s`,
    );
    await this.sleep(waitMs);
  }

  private async pulls(octokit: Octokit, repo: string): Promise<number> {
    const [owner, name] = repo.split('/');
    const key = `github:${repo}:pulls`;
    const since = this.since(await this.options.cursors.get(key));
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
    const since = this.since(await this.options.cursors.get(key));
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
