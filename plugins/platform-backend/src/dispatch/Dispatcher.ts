import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  JsonObject,
  parseCapabilityRef,
} from '@trellis/backstage-plugin-platform-common';
import {
  EngineCallContext,
  PlatformEngine,
} from '@trellis/backstage-plugin-platform-node';
import { randomUUID } from 'node:crypto';
import { HeldToken, UserTokenVault } from '../credentials/UserTokenVault';
import { DispatchClaim, DispatchOutbox } from '../database/DispatchOutbox';
import { ObservationResult, ResourceStore } from '../database/ResourceStore';
import { EngineRegistry } from '../engines/EngineRegistry';
import { CoalescingRunner } from './CoalescingRunner';

export interface DispatcherOptions {
  /** How long a claim is held before another replica may take the work over. */
  leaseMs?: number;
  /** First retry delay; doubles per attempt. */
  baseDelayMs?: number;
  /** Longest retry delay. */
  maxDelayMs?: number;
  /** Resources dispatched per pass. */
  batchSize?: number;
  /**
   * How long a pass waits for one engine call before it goes on without it.
   * The call keeps its claim until it answers (a call that never answers
   * loses it when the lease ends, and the work is retried then), so a slow
   * call is never applied again while it runs. Default: half the lease, at
   * most 30 s.
   */
  callTimeoutMs?: number;
}

/**
 * Tells engines about desired state that the store has accepted (the store is
 * the outbox). Work is claimed with a lease, so replicas sharing a database
 * apply each change once; transient failures are retried with exponential
 * backoff, engine rejections fail the resource with the engine's message.
 */
export class Dispatcher {
  private readonly claimant = `dispatcher-${randomUUID()}`;
  private readonly leaseMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly batchSize: number;
  private readonly callTimeoutMs: number;
  /** Claims again when asked while claimed work is in flight. */
  private readonly runner = new CoalescingRunner(
    () => this.claimOnce(),
    () => this.settleInFlight(),
  );
  /** Batches of claimed work whose engine calls run now. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The scheduler's timeout of the run in progress. */
  private signal?: AbortSignal;
  private stopping = false;
  /** Claims this replica holds now, by resource id. */
  private readonly held = new Map<string, HeldClaim>();

  constructor(
    private readonly stores: {
      outbox: DispatchOutbox;
      resources: Pick<ResourceStore, 'markDeleted'>;
    },
    private readonly engines: EngineRegistry,
    private readonly logger: LoggerService,
    private readonly onChange: (result: ObservationResult) => Promise<void>,
    private readonly tokens: UserTokenVault,
    options: DispatcherOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.baseDelayMs = options.baseDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.batchSize = options.batchSize ?? 50;
    this.callTimeoutMs = Math.min(
      options.callTimeoutMs ?? 30_000,
      this.leaseMs / 2,
    );
  }

  /**
   * Dispatches everything that is due. A call while a pass runs wakes that
   * pass: it claims again at once (a new change does not wait behind the
   * engine calls in flight), and once more after the calls that were in
   * flight then have finished (their resources may have changed meanwhile).
   * A pass ends when nothing it claimed is left in flight and nothing new was
   * asked for; it waits for an engine call `callTimeoutMs` at most, and
   * `signal` (the scheduler's timeout) stops it from claiming more. Work a
   * lost pass held is the outbox's: its lease expires and the next pass, of
   * any replica allowed to, takes it. Claims are leases, so claiming while
   * other claims are in flight never hands out the same work twice.
   */
  async dispatchDue(signal?: AbortSignal): Promise<void> {
    // Shutting down: the other replicas take the work.
    if (this.stopping) return undefined;
    if (!this.runner.current) this.signal = signal;
    return this.runner.run(() => !!this.signal?.aborted || this.stopping);
  }

  /**
   * One claim; then waits until a batch ends with more to do (it was full,
   * or a change was asked for while it ran: it may concern its resources)
   * or a new change comes, when the runner claims again.
   */
  private async claimOnce() {
    const callsAtClaim = this.runner.callCount;
    const claimed = await this.stores.outbox.claim({
      claimant: this.claimant,
      limit: this.batchSize,
      leaseMs: this.leaseMs,
      instances: this.instances(),
    });
    const full = claimed.length === this.batchSize;
    const batch = Promise.all(
      claimed.map(claim => this.waitAtMost(claim, this.dispatch(claim))),
    ).then(() => {
      this.inFlight.delete(batch);
      if (full || this.runner.callCount !== callsAtClaim) {
        this.runner.askAgain();
      }
    });
    this.inFlight.add(batch);
    while (!this.runner.asked() && this.inFlight.size > 0) {
      await Promise.race([Promise.race(this.inFlight), this.runner.nextAsk()]);
    }
  }

  /**
   * Stopped, aborted or failed to claim: the calls in flight still end
   * (bounded by `waitAtMost`) before the run does.
   */
  private async settleInFlight() {
    if (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /**
   * Graceful shutdown: claims nothing more, lets the engine calls in flight
   * finish for up to `graceMs`, then hands back the claims it still holds,
   * due at once, so another replica takes that work now instead of after
   * the lease. Results of calls that end later are not recorded: the work
   * is someone else's by then (engines apply idempotently).
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    // The pass ends (it claims nothing more), then the calls it left
    // running: a slow call outlives its pass (see `waitAtMost`).
    const finished = (async () => {
      await this.runner.current?.catch(() => undefined);
      await Promise.all(
        [...this.held.values()].map(entry => entry.done.catch(() => undefined)),
      );
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise(resolve => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    const left = [...this.held.values()];
    this.held.clear();
    let handedBack = 0;
    for (const entry of left) {
      entry.released = true;
      try {
        if (await this.stores.outbox.release(entry.claim, this.claimant)) {
          handedBack += 1;
        }
      } catch (error) {
        this.logger.warn(
          `Could not hand back the ${entry.claim.action} of resource ${entry.claim.resource.id}; it is taken over when its lease ends: ${error}`,
        );
      }
    }
    if (handedBack) {
      this.logger.info(
        `Shutting down: handed back ${handedBack} dispatch claim(s) whose engine call did not finish within ${
          graceMs / 1000
        } s`,
      );
    }
  }

  /**
   * Waits for a dispatch `callTimeoutMs` at most; one that takes longer goes
   * on without the pass, holding its claim, and records its outcome when
   * its engine call answers.
   */
  private async waitAtMost(claim: DispatchClaim, dispatch: Promise<void>) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>(resolve => {
      timer = setTimeout(() => resolve(true), this.callTimeoutMs);
    });
    const done = dispatch.then(
      () => false,
      error => {
        this.logger.error(
          `Dispatch of resource ${claim.resource.id} failed: ${error}`,
        );
        return false;
      },
    );
    let tooLong = await Promise.race([done, late]);
    clearTimeout(timer);
    if (tooLong) {
      // After the event loop stalled, the timer can fire before an answer
      // that came meanwhile is read: one turn (I/O first) before warning.
      tooLong = await Promise.race([
        done,
        new Promise<boolean>(resolve => setImmediate(() => resolve(true))),
      ]);
    }
    if (tooLong) {
      this.logger.warn(
        `The engine has not answered the ${claim.action} of resource ${
          claim.resource.id
        } within ${
          this.callTimeoutMs / 1000
        } s; dispatching goes on, the call keeps its claim until it answers or the lease ends`,
      );
    }
  }

  /** This replica's instances of process-local engines, by engine id. */
  private instances(): Record<string, string> {
    return Object.fromEntries(
      this.engines
        .list()
        .flatMap(e => (e.instanceId ? [[e.id, e.instanceId]] : [])),
    );
  }

  private async dispatch(claim: DispatchClaim) {
    const entry = { claim, released: false } as HeldClaim;
    this.held.set(claim.resource.id, entry);
    entry.done = this.dispatchHeld(entry).finally(() => {
      if (this.held.get(claim.resource.id) === entry)
        this.held.delete(claim.resource.id);
    });
    await entry.done;
  }

  private async dispatchHeld(entry: HeldClaim) {
    const { claim } = entry;
    const { resource } = claim;
    let held: HeldToken | undefined;
    try {
      const engine = this.engines.get(claim.engineId);
      const context: EngineCallContext = { actor: resource.requestedBy };
      if (engine.userAuth) {
        held = this.tokens.get(resource.id);
        if (!held) {
          await this.park(claim, awaitingMessage(engine, claim));
          return;
        }
        context.actor = held.actor;
        context.userToken = held.token;
      }
      if (claim.action === 'apply') {
        const { engineRef } = await engine.apply(
          {
            resourceId: resource.id,
            engineRef: resource.engineRef,
            capability:
              parseCapabilityRef(resource.capabilityRef)?.name ??
              resource.capabilityRef,
            name: resource.name,
            environment: resource.environment,
            owner: resource.owner,
            requestedBy: resource.requestedBy,
            component: resource.component,
            spec: resource.spec as JsonObject,
            generation: claim.generation,
            version: claim.version,
          },
          context,
        );
        if (entry.released) return;
        await this.stores.outbox.complete(claim, this.claimant, engineRef);
      } else {
        await engine.delete(
          { resourceId: resource.id, engineRef: resource.engineRef },
          context,
        );
        if (entry.released) return;
        await this.stores.outbox.complete(claim, this.claimant);
      }
      // Used: the token has no business staying around.
      if (held) this.tokens.release(resource.id, held);
    } catch (error) {
      if (entry.released) return; // handed back at shutdown: not ours
      if (held && error instanceof AuthenticationError) {
        this.tokens.release(resource.id, held);
        await this.park(
          claim,
          `${error.message}. Waiting for fresh credentials: retry the change with your token.`,
        );
        return;
      }
      await this.handleFailure(claim, error);
    }
  }

  /** Leaves the claimed work waiting for credentials. */
  private async park(claim: DispatchClaim, message: string) {
    this.logger.info(
      `Resource ${claim.resource.id} awaits credentials for its ${claim.action}: ${message}`,
    );
    const result = await this.stores.outbox.awaitCredentials(
      claim,
      this.claimant,
      message,
    );
    if (result) await this.onChange(result);
  }

  private async handleFailure(claim: DispatchClaim, error: unknown) {
    const message = isError(error) ? error.message : String(error);
    if (claim.action === 'delete' && error instanceof NotFoundError) {
      const result = await this.stores.resources.markDeleted(claim.resource.id);
      if (result) await this.onChange(result);
      return;
    }
    const permanent =
      error instanceof InputError ||
      error instanceof NotAllowedError ||
      error instanceof ConflictError ||
      error instanceof NotFoundError;
    if (permanent) {
      this.logger.warn(
        `Engine ${claim.engineId} rejected ${claim.action} of resource ${claim.resource.id}: ${message}`,
      );
      const result = await this.stores.outbox.fail(
        claim,
        this.claimant,
        message,
      );
      if (result) await this.onChange(result);
      return;
    }
    const attempt = claim.attempts + 1;
    const delay = Math.min(
      this.maxDelayMs,
      this.baseDelayMs * 2 ** Math.min(attempt - 1, 20),
    );
    // Jitter spreads retries of many resources after an outage.
    const nextAt = new Date(Date.now() + delay * (0.8 + Math.random() * 0.4));
    await this.stores.outbox.retry(claim, this.claimant, message, nextAt);
    this.logger.info(
      `Could not ${claim.action} resource ${
        claim.resource.id
      } (attempt ${attempt}), retrying at ${nextAt.toISOString()}: ${message}`,
    );
  }
}

interface HeldClaim {
  claim: DispatchClaim;
  /** Handed back at shutdown while its engine call still ran. */
  released: boolean;
  /** Settles when the dispatch of the claim ends. */
  done: Promise<void>;
}

function awaitingMessage(engine: PlatformEngine, claim: DispatchClaim) {
  return `${
    engine.title
  } makes changes with the requesting user's own identity (${
    engine.userAuth!.provider
  } sign-in), and the platform holds no valid token to ${
    claim.action
  } this resource with: it expired, the backend restarted, or another replica took the work over. Retry with your credentials.`;
}
