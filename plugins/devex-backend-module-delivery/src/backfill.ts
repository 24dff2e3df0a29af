import { LoggerService } from '@backstage/backend-plugin-api';
import { DevexCursorStore } from '@trellis/backstage-plugin-devex-node';
import { DraftFact, InterpretOptions } from './interpret';

/** Writes mapped facts (DeliveryIngestor.writeDrafts). */
export type DraftWriter = (drafts: DraftFact[]) => Promise<unknown>;

/** What every SCM backfill is given, whichever API it reads. */
export interface BackfillOptions {
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

/** A rate limit that resets later than a run may wait: the run stops here. */
export class RateLimitedLongerThanARun extends Error {}

/**
 * What the GitHub and GitLab backfills share: the window they read (the
 * last `days` days, or from the cursor when it is newer), waiting out a rate
 * limit or stopping the run when it is long, and one run over the repos
 * (a repo that fails is logged and read again next run).
 */
export class BackfillRun {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly provider: string,
    private readonly options: BackfillOptions,
  ) {
    this.sleep =
      options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)));
  }

  now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /** Where reading starts: the cursor, unless it is older than the window. */
  since(cursor: string | undefined): string {
    const window = new Date(
      this.now().getTime() - this.options.days * 86_400_000,
    ).toISOString();
    return cursor && cursor > window ? cursor : window;
  }

  /** Waits `ms` for a rate limit, or stops the run when that is too long. */
  async wait(ms: number): Promise<void> {
    const waitMs = Math.max(0, Math.min(ms, 24 * 3_600_000));
    if (waitMs > (this.options.maxWaitMs ?? 15 * 60_000)) {
      throw new RateLimitedLongerThanARun(
        `rate limited for ${Math.round(waitMs / 1000)} s`,
      );
    }
    this.options.logger.info(
      `${this.provider} rate limit: waiting ${Math.round(waitMs / 1000)} s`,
    );
    await this.sleep(waitMs);
  }

  /**
   * Reads each repo that has a client; a long rate limit stops the run
   * (the cursors keep what was read), any other failure skips the repo.
   */
  async each<R, C>(
    repos: R[],
    name: (repo: R) => string,
    clientFor: (repo: R) => Promise<C | undefined>,
    read: (client: C, repo: R) => Promise<number>,
  ): Promise<{ repos: number; facts: number }> {
    let facts = 0;
    let count = 0;
    for (const repo of repos) {
      const client = await clientFor(repo);
      if (!client) continue;
      count++;
      try {
        facts += await read(client, repo);
      } catch (error) {
        if (error instanceof RateLimitedLongerThanARun) {
          this.options.logger.info(
            `${this.provider} backfill paused at ${name(repo)}: ${
              error.message
            }`,
          );
          break;
        }
        this.options.logger.warn(
          `${this.provider} backfill of ${name(
            repo,
          )} failed; it continues next run`,
          error as Error,
        );
      }
    }
    return { repos: count, facts };
  }
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
