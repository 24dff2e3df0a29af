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

/** Deliveries written in one go at most (raw rows, facts, outcomes). */
const MAX_BATCH = 100;

/**
 * How long a batch waits at most for deliveries to join it, when fewer wait
 * than were about at the end of the last one. Without the wait, concurrent
 * senders split into groups that alternate (one group's requests arrive
 * while the other's batch is written): 8 senders made batches of 4, and a
 * batch's own statements cost about as much as its deliveries.
 */
const LINGER_MS = 4;

interface Waiting {
  delivery: RawDelivery;
  resolve(result: 'stored' | 'duplicate'): void;
  reject(error: unknown): void;
}

/** What one delivery came to before anything is written. */
type Reading =
  | { delivery: RawDelivery; done: DeliveryOutcome }
  | { delivery: RawDelivery; facts: DevexFact[]; outcome: DeliveryOutcome }
  /** Not read yet: the catalog could not be asked; left pending. */
  | { delivery: RawDelivery; later: string };

/**
 * Stores every delivery raw (once per delivery id) and then interprets it
 * into delivery facts. A payload that cannot be interpreted is kept as bad,
 * with its error; a fact write that fails leaves the delivery pending, and
 * `retryPending` interprets it again later.
 *
 * Deliveries that arrive while others are being written wait and are then
 * written together (one raw insert, one fact write, one outcome update per
 * distinct outcome): a webhook is one small request, and a transaction per
 * delivery would be most of its cost. A delivery alone is written at once;
 * under load a batch waits up to `lingerMs` for as many as the last one
 * held. Every caller still hears back only after its delivery's raw row is
 * committed.
 */
export class DeliveryIngestor {
  private readonly waiting: Waiting[] = [];
  private writing = false;
  /**
   * The deliveries about when the last batch was written: its own (their
   * senders, answered, may send again) and those that arrived meanwhile. A
   * batch waits for as many, at most.
   */
  private expected = 1;
  /** Ends a batch's wait once enough deliveries wait. */
  private joined?: () => void;

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
      /** How long a batch waits for more at most (ms); default 4. */
      lingerMs?: number;
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
    return new Promise((resolve, reject) => {
      this.waiting.push({ delivery, resolve, reject });
      if (this.waiting.length >= this.expected) this.joined?.();
      if (!this.writing) {
        this.writing = true;
        // One turn of the event loop first: deliveries read from the
        // network meanwhile join (on SQLite a write never yields otherwise).
        setImmediate(() => void this.writeWaiting());
      }
    });
  }

  /** Interprets deliveries stored but left pending (a stop, a failed write). */
  async retryPending(olderThanMs = 60_000): Promise<number> {
    const pending = await this.store.pending(
      new Date(Date.now() - olderThanMs),
    );
    for (let i = 0; i < pending.length; i += MAX_BATCH) {
      await this.process(pending.slice(i, i + MAX_BATCH));
    }
    return pending.length;
  }

  /** Until as many wait as are expected, or `lingerMs` passed. */
  private async gather(): Promise<void> {
    if (this.waiting.length >= this.expected) return;
    await new Promise<void>(resolve => {
      const timer = setTimeout(
        () => this.joined?.(),
        this.options.lingerMs ?? LINGER_MS,
      );
      this.joined = () => {
        clearTimeout(timer);
        this.joined = undefined;
        resolve();
      };
    });
  }

  /** Writes what waits, a batch at a time, until nothing does. */
  private async writeWaiting(): Promise<void> {
    try {
      while (this.waiting.length) {
        await this.gather();
        const batch = this.waiting.splice(0, MAX_BATCH);
        try {
          const stored = await this.store.insertMany(
            batch.map(w => w.delivery),
          );
          // An id twice in one batch: the first one is the delivery.
          const fresh = new Map<string, RawDelivery>();
          for (const { delivery } of batch) {
            if (stored.has(delivery.id) && !fresh.has(delivery.id)) {
              fresh.set(delivery.id, delivery);
            }
          }
          for (const { delivery } of batch) {
            if (fresh.get(delivery.id) !== delivery) {
              this.logger.debug(
                `Delivery ${delivery.id} received again; already stored`,
              );
            }
          }
          // Stored: the facts are the store's job from here (a failure
          // leaves them pending for retryPending), not the sender's.
          await this.process([...fresh.values()]).catch(error =>
            this.logger.error(
              `Deliveries stored but not interpreted yet, will retry`,
              error as Error,
            ),
          );
          for (const { delivery, resolve } of batch) {
            resolve(
              fresh.get(delivery.id) === delivery ? 'stored' : 'duplicate',
            );
          }
        } catch (error) {
          // Not stored: the sender hears of it (and retries).
          for (const { reject } of batch) reject(error);
        }
        this.expected = Math.min(MAX_BATCH, batch.length + this.waiting.length);
      }
    } finally {
      this.writing = false;
    }
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

  /** Interprets stored deliveries and writes their facts and outcomes. */
  private async process(deliveries: RawDelivery[]): Promise<void> {
    if (!deliveries.length) return;
    const readings: Reading[] = [];
    for (const delivery of deliveries) {
      readings.push(await this.read(delivery));
    }
    const facts: DevexFact[] = [];
    const owner: Reading[] = [];
    for (const reading of readings) {
      if ('facts' in reading) {
        for (const fact of reading.facts) {
          facts.push(fact);
          owner.push(reading);
        }
      }
    }
    const outcomes = new Map<RawDelivery, DeliveryOutcome>();
    for (const reading of readings) {
      if ('done' in reading) outcomes.set(reading.delivery, reading.done);
    }
    let written = true;
    if (facts.length) {
      try {
        // Recoverable: the raw rows are committed and stay pending until
        // finishMany, after this write; if the database loses the facts (a
        // server crash before the flush), it loses the outcomes after them
        // too, and retryPending writes them again.
        const result = await this.sink.write(facts, { recoverable: true });
        const refused = new Map<Reading, string[]>();
        for (const r of result.rejected) {
          const reading = owner[r.index];
          refused.set(reading, [
            ...(refused.get(reading) ?? []),
            `${r.field}: ${r.message}`,
          ]);
        }
        for (const [reading, messages] of refused) {
          const message = messages.join('; ');
          this.logger.warn(
            `Delivery ${reading.delivery.id} (${reading.delivery.event}) made facts the store refused: ${message}`,
          );
          outcomes.set(reading.delivery, {
            ...(reading as { outcome: DeliveryOutcome }).outcome,
            status: 'bad',
            error: message,
          });
        }
      } catch (error) {
        // The store is unreachable: leave them pending, retryPending takes them.
        this.logger.error(
          `Deliveries ${readings
            .filter(r => 'facts' in r)
            .map(r => r.delivery.id)
            .join(', ')}: facts not written, will retry`,
          error as Error,
        );
        written = false;
      }
    }
    if (written) {
      for (const reading of readings) {
        if ('facts' in reading && !outcomes.has(reading.delivery)) {
          outcomes.set(reading.delivery, reading.outcome);
        }
      }
    }
    await this.store.finishMany(
      [...outcomes].map(([delivery, outcome]) => ({
        id: delivery.id,
        outcome,
      })),
    );
  }

  /** What a delivery means: its facts, or why it is ignored or bad. */
  private async read(delivery: RawDelivery): Promise<Reading> {
    try {
      const meaning = this.interpret(delivery);
      if ('ignored' in meaning) {
        return {
          delivery,
          done: { status: 'ignored', error: meaning.ignored, facts: 0 },
        };
      }
      const outcome: DeliveryOutcome = {
        status: 'good',
        facts: meaning.facts.length,
      };
      const facts: DevexFact[] = [];
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
        try {
          facts.push(await this.map(draft, outcome));
        } catch (error) {
          // The payload is fine; the catalog did not answer. Not bad: it
          // stays pending and retryPending maps it once the catalog is back.
          const message = (error as Error).message ?? String(error);
          this.logger.warn(
            `Delivery ${delivery.id} (${delivery.event}) not mapped to the catalog yet, will retry: ${message}`,
          );
          return { delivery, later: message };
        }
      }
      return { delivery, facts, outcome };
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.logger.warn(
        `Delivery ${delivery.id} (${delivery.event}) is bad and was kept as such: ${message}`,
      );
      return {
        delivery,
        done: { status: 'bad', error: message, facts: 0 },
      };
    }
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
