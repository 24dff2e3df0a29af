import { LoggerService } from '@backstage/backend-plugin-api';
import {
  DevexFact,
  IngestResult,
} from '@trellis/backstage-plugin-devex-common';
import { DevexFactSink } from '@trellis/backstage-plugin-devex-node';
import { createHash } from 'crypto';
import { CatalogMapper } from './CatalogMapper';
import { DeliveryOutcome, DeliveryStore, RawDelivery } from './DeliveryStore';
import {
  DraftFact,
  Interpretation,
  InterpretOptions,
  interpretGithub,
  interpretGitlab,
  interpretPagerduty,
} from './interpret';

export type DeliveryProvider = 'github' | 'gitlab' | 'pagerduty';

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLocaleLowerCase('en-US')];
  const first = Array.isArray(value) ? value[0] : value;
  return first && first.trim() ? first.trim() : undefined;
}

const hashOf = (payload: unknown) =>
  `sha256/${createHash('sha256')
    .update(JSON.stringify(payload ?? null))
    .digest('hex')}`;

/**
 * What a delivery is called and keyed by: GitHub's `x-github-delivery`,
 * GitLab's `Idempotency-Key` (same across retries of one webhook) or else
 * `X-Gitlab-Event-UUID`, PagerDuty's `event.id`; a hash of the body when a
 * sender leaves it out, so that a retry is still recognised.
 */
export function describeDelivery(
  provider: DeliveryProvider,
  payload: unknown,
  headers: Headers,
): { id: string; event: string } {
  const body =
    typeof payload === 'object' && payload !== null
      ? (payload as Record<string, unknown>)
      : {};
  if (provider === 'github') {
    return {
      id: `github:${header(headers, 'x-github-delivery') ?? hashOf(payload)}`,
      event: header(headers, 'x-github-event') ?? 'unknown',
    };
  }
  if (provider === 'gitlab') {
    const key =
      header(headers, 'idempotency-key') ??
      header(headers, 'x-gitlab-event-uuid');
    return {
      id: `gitlab:${key ?? hashOf(payload)}`,
      event:
        (typeof body.object_kind === 'string' && body.object_kind) ||
        header(headers, 'x-gitlab-event') ||
        'unknown',
    };
  }
  const event =
    typeof body.event === 'object' && body.event !== null
      ? (body.event as Record<string, unknown>)
      : {};
  return {
    id: `pagerduty:${
      typeof event.id === 'string' && event.id ? event.id : hashOf(payload)
    }`,
    event: typeof event.event_type === 'string' ? event.event_type : 'unknown',
  };
}

/**
 * Stores every delivery raw (once per delivery id) and then interprets it
 * into delivery facts. A payload that cannot be interpreted is kept as bad,
 * with its error; a fact write that fails leaves the delivery pending, and
 * `retryPending` interprets it again later.
 */
export class DeliveryIngestor {
  constructor(
    private readonly store: DeliveryStore,
    private readonly mapper: CatalogMapper,
    private readonly sink: DevexFactSink,
    private readonly logger: LoggerService,
    private readonly options: InterpretOptions & {
      /**
       * Fills what a webhook leaves out (a change's first commit, from the
       * SCM's API); a failure leaves the fact as it is.
       */
      enrich?: (draft: DraftFact) => Promise<void>;
    },
  ) {}

  /** Handles one delivery from the events bus; never throws for a bad payload. */
  async receive(
    provider: DeliveryProvider,
    payload: unknown,
    headers: Headers,
  ): Promise<'stored' | 'duplicate'> {
    const { id, event } = describeDelivery(provider, payload, headers);
    const delivery: RawDelivery = {
      id,
      provider,
      event,
      payload,
      receivedAt: new Date(),
    };
    if (!(await this.store.insert(delivery))) {
      this.logger.debug(`Delivery ${id} received again; already stored`);
      return 'duplicate';
    }
    await this.process(delivery);
    return 'stored';
  }

  /** Interprets deliveries stored but left pending (a stop, a failed write). */
  async retryPending(olderThanMs = 60_000): Promise<number> {
    const pending = await this.store.pending(
      new Date(Date.now() - olderThanMs),
    );
    for (const delivery of pending) {
      await this.process(delivery);
    }
    return pending.length;
  }

  private interpret(delivery: RawDelivery): Interpretation {
    if (delivery.provider === 'github') {
      return interpretGithub(delivery.event, delivery.payload, this.options);
    }
    if (delivery.provider === 'gitlab') {
      return interpretGitlab(delivery.payload, this.options);
    }
    return interpretPagerduty(delivery.payload);
  }

  private async process(delivery: RawDelivery): Promise<void> {
    let outcome: DeliveryOutcome;
    let facts: DevexFact[] = [];
    try {
      const meaning = this.interpret(delivery);
      if ('ignored' in meaning) {
        await this.store.finish(delivery.id, {
          status: 'ignored',
          error: meaning.ignored,
          facts: 0,
        });
        return;
      }
      outcome = { status: 'good', facts: meaning.facts.length };
      for (const draft of meaning.facts) {
        if (this.options.enrich) {
          await this.options
            .enrich(draft)
            .catch(error =>
              this.logger.warn(
                `Delivery ${delivery.id}: ${draft.subject} not enriched: ${error}`,
              ),
            );
        }
        facts.push(await this.map(draft, outcome));
      }
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.logger.warn(
        `Delivery ${delivery.id} (${delivery.event}) is bad and was kept as such: ${message}`,
      );
      await this.store.finish(delivery.id, {
        status: 'bad',
        error: message,
        facts: 0,
      });
      return;
    }
    try {
      const result = await this.sink.write(facts);
      if (result.rejected.length > 0) {
        const message = result.rejected
          .map(r => `${r.field}: ${r.message}`)
          .join('; ');
        this.logger.warn(
          `Delivery ${delivery.id} (${delivery.event}) made facts the store refused: ${message}`,
        );
        outcome = { ...outcome, status: 'bad', error: message };
        facts = [];
      }
    } catch (error) {
      // The store is unreachable: leave it pending, retryPending takes it.
      this.logger.error(
        `Delivery ${delivery.id}: facts not written, will retry`,
        error as Error,
      );
      return;
    }
    await this.store.finish(delivery.id, outcome);
  }

  /**
   * Maps and writes facts found without a webhook (the backfill); the same
   * source ids as the webhook path, so nothing is counted twice.
   */
  async writeDrafts(drafts: DraftFact[]): Promise<IngestResult> {
    const facts: DevexFact[] = [];
    for (const draft of drafts) {
      facts.push(await this.map(draft, { status: 'good', facts: 1 }));
    }
    return this.sink.write(facts);
  }

  private async map(
    draft: DraftFact,
    outcome: DeliveryOutcome,
  ): Promise<DevexFact> {
    const fact: DevexFact = {
      sourceId: draft.sourceId,
      kind: draft.kind,
      time: draft.time,
      subject: draft.subject,
      attributes: draft.attributes,
    };
    if (draft.value !== undefined) fact.value = draft.value;
    if (draft.repo) {
      const ref = await this.mapper.component(
        draft.repo.provider,
        draft.repo.name,
      );
      if (ref) fact.entityRef = ref;
      else outcome.unmappedRepo = `${draft.repo.provider}:${draft.repo.name}`;
    }
    if (draft.pagerdutyService) {
      const ref = await this.mapper.pagerdutyService(draft.pagerdutyService);
      if (ref) fact.entityRef = ref;
      else outcome.unmappedRepo = `pagerduty:service/${draft.pagerdutyService}`;
    }
    if (draft.login) {
      const ref = draft.login.login
        ? await this.mapper.user(draft.login.provider, draft.login.login)
        : undefined;
      if (ref) fact.actor = ref;
      else
        outcome.unmappedUser =
          draft.login.unmappable ??
          `${draft.login.provider}:${draft.login.login}`;
    }
    return fact;
  }
}
