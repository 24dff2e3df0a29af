import { LoggerService } from '@backstage/backend-plugin-api';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';
import {
  DevexCursorStore,
  DevexFactSink,
} from '@trellis/backstage-plugin-devex-node';
import { PlatformApi } from '@trellis/backstage-plugin-platform-common';
import { factOfRollout, factsOfFeedEvent } from './platformFacts';

const FEED_CURSOR = 'feed/after';

/**
 * The platform's resource history as `platform.*` facts, read through the
 * platform API's `GET /events` feed with a durable cursor: the cursor moves
 * only after the page's facts are committed, so a crash re-reads a page
 * (the sink stores each fact once) and never skips one. Finished rollouts
 * come from `GET /rollouts`.
 */
export class PlatformHistorySource {
  constructor(
    private readonly deps: {
      platform: Pick<PlatformApi, 'listResourceEvents' | 'listRollouts'>;
      /** A token for the platform plugin, with devex's own credentials. */
      token: () => Promise<string>;
      sink: DevexFactSink;
      cursors: DevexCursorStore;
      logger: LoggerService;
      pageSize: number;
      /** Stops a run after this long; the next run continues. */
      maxRunMs?: number;
    },
  ) {}

  /** Reads the feed from the stored cursor to its end. */
  async poll(): Promise<{ events: number; facts: number }> {
    const { platform, cursors, pageSize } = this.deps;
    const started = Date.now();
    let after = await cursors.get(FEED_CURSOR);
    let events = 0;
    let facts = 0;
    for (;;) {
      const page = await platform.listResourceEvents(
        { after, limit: pageSize },
        { token: await this.deps.token() },
      );
      const pageFacts = page.items.flatMap(factsOfFeedEvent);
      if (pageFacts.length) await this.write(pageFacts);
      if (page.nextCursor !== after) {
        after = page.nextCursor;
        await cursors.set(FEED_CURSOR, after);
      }
      events += page.items.length;
      facts += pageFacts.length;
      if (page.items.length < pageSize) break;
      if (Date.now() - started > (this.deps.maxRunMs ?? 240_000)) break;
    }
    return { events, facts };
  }

  /** Writes a fact for every finished rollout (each is stored once). */
  async pollRollouts(): Promise<number> {
    const rollouts = await this.deps.platform.listRollouts(
      {},
      { token: await this.deps.token() },
    );
    const finished = rollouts
      .map(factOfRollout)
      .filter((f): f is DevexFact => Boolean(f));
    if (finished.length) await this.write(finished);
    return finished.length;
  }

  private async write(facts: DevexFact[]) {
    const result = await this.deps.sink.write(facts);
    // A refused fact is refused for good; reading it again would not help.
    for (const r of result.rejected) {
      this.deps.logger.warn(
        `DevEx refused the fact ${facts[r.index]?.sourceId}: ${r.field}: ${
          r.message
        }`,
      );
    }
  }
}
