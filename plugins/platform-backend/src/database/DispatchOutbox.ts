import {
  EngineObjectRef,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { ObservationResult } from './ResourceStore';

/** A claimed unit of work for the dispatcher. */
export interface DispatchClaim {
  resource: PlatformResource;
  /** The engine the resource was created on. */
  engineId: string;
  /** The capability version to apply: the one applied, or else the one requested. */
  version: string;
  action: 'apply' | 'delete';
  /** The generation of the desired state to tell the engine about. */
  generation: number;
  /** Attempts that failed before this claim. */
  attempts: number;
}

/** What a dispatcher claims with. */
export interface ClaimOptions {
  claimant: string;
  limit: number;
  leaseMs: number;
  onlyIds?: string[];
  /** This replica's instances of process-local engines, by engine id. */
  instances?: Record<string, string>;
}

/**
 * The work engines still have to hear about, kept with the resources it
 * concerns (the database is the outbox: nothing is lost on a crash). Work is
 * scheduled (claimable from a time on) or awaiting credentials (parked until
 * someone retries with a token). A claim is a lease: a conditional update
 * only one caller wins, so replicas sharing a database apply each change
 * once. Every method that takes a claim acts only while `claimant` holds it.
 */
export interface DispatchOutbox {
  /**
   * Claims up to `limit` scheduled items that are due, earliest first.
   * Resources of a process-local engine are claimed only by the instance
   * they are bound to, and an unbound one is bound by its claim.
   */
  claim(options: ClaimOptions): Promise<DispatchClaim[]>;
  /**
   * The engine accepted the work. When the desired state changed meanwhile
   * (a newer generation) the newer work stays owed; false then.
   */
  complete(
    claim: DispatchClaim,
    claimant: string,
    engineRef?: EngineObjectRef,
  ): Promise<boolean>;
  /**
   * Hands claimed work back undone (its replica shuts down), due now for
   * whichever replica claims next. False when the claim was not held.
   */
  release(claim: DispatchClaim, claimant: string): Promise<boolean>;
  /**
   * A transient failure: the work is due again at `nextAt`. The first one
   * is recorded in the resource's history. Returns the attempts so far.
   */
  retry(
    claim: DispatchClaim,
    claimant: string,
    message: string,
    nextAt: Date,
  ): Promise<number>;
  /** The engine rejected the work: the resource fails, nothing stays owed. */
  fail(
    claim: DispatchClaim,
    claimant: string,
    message: string,
  ): Promise<ObservationResult | undefined>;
  /**
   * Parks the work until someone hands over credentials: it stays owed, and
   * no dispatcher claims it until `retryNow` (or a newer change).
   */
  awaitCredentials(
    claim: DispatchClaim,
    claimant: string,
    message: string,
  ): Promise<ObservationResult | undefined>;
  /**
   * Makes a resource's owed work due now (after an outage, or with fresh
   * credentials). False when nothing is owed or someone holds a claim.
   */
  retryNow(id: string): Promise<boolean>;
  /** Owes the engine the resource again (a resync found it lost). */
  scheduleReapply(id: string, reason: string): Promise<void>;
}
