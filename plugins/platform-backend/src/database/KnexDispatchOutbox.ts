import { EngineObjectRef } from '@trellis/backstage-plugin-platform-common';
import { Knex } from 'knex';
import { ClaimOptions, DispatchClaim, DispatchOutbox } from './DispatchOutbox';
import { GroupCommit } from './GroupCommit';
import { insertEvent } from './KnexResourceHistory';
import { nowIso } from './knexHelpers';
import { nothingOwed, owed, unclaimed } from './outboxColumns';
import { ObservationResult } from './ResourceStore';
import { getResourceRow, resourceFromRow, ResourceRow } from './rows';

/**
 * Scheduled work, as the partial index of migration 20261202110000 has it:
 * a literal, so that SQLite can prove the index applies.
 */
const SCHEDULED = "dispatch_state = 'scheduled'";

function claimFromRow(row: ResourceRow): DispatchClaim {
  return {
    resource: resourceFromRow(row),
    engineId: row.engine_id,
    version: row.applied_version ?? row.desired_version,
    action: row.dispatch_action!,
    generation: Number(row.dispatch_generation),
    attempts: Number(row.dispatch_attempts),
  };
}

/** {@link DispatchOutbox} in the dispatch columns of `platform_resources`. */
export class KnexDispatchOutbox implements DispatchOutbox {
  constructor(
    private readonly db: Knex,
    /** The writes of creates, dispatches and observations, committed together. */
    private readonly writes: GroupCommit,
  ) {}

  async claim(options: ClaimOptions): Promise<DispatchClaim[]> {
    const instances = Object.entries(options.instances ?? {});
    const notOthers = (b: Knex.QueryBuilder) => {
      for (const [engineId, instance] of instances) {
        b.whereNot(q =>
          q
            .where('engine_id', engineId)
            .whereNotNull('engine_instance')
            .whereNot('engine_instance', instance),
        );
      }
    };
    const now = nowIso();
    const until = new Date(Date.now() + options.leaseMs).toISOString();
    const due = (b: Knex.QueryBuilder) =>
      b
        .whereRaw(SCHEDULED)
        .where('dispatch_next_at', '<=', now)
        .where(q =>
          q
            .whereNull('dispatch_claimed_until')
            .orWhere('dispatch_claimed_until', '<', now),
        )
        .modify(notOthers);
    // An unbound resource of a process-local engine is bound by its claim.
    const binding = instances.length
      ? {
          engine_instance: this.db.raw(
            `CASE ${instances
              .map(() => 'WHEN engine_id = ? THEN ?')
              .join(' ')} ELSE engine_instance END`,
            instances.flat(),
          ),
        }
      : {};
    // One statement: the candidates are chosen and claimed together, and the
    // claim repeats their conditions, so that of two replicas choosing the
    // same row only the first update wins it (PostgreSQL checks the
    // conditions again on the row the other replica just claimed).
    const claimed: ResourceRow[] = await this.db('platform_resources')
      .whereIn(
        'id',
        this.db('platform_resources')
          .select('id')
          .modify(due)
          .modify(b => {
            if (options.onlyIds) b.whereIn('id', options.onlyIds);
          })
          .orderBy('dispatch_next_at')
          .limit(options.limit),
      )
      .modify(due)
      .update(
        {
          dispatch_claimed_by: options.claimant,
          dispatch_claimed_until: until,
          ...binding,
        },
        '*',
      );
    return claimed
      .sort((a, b) =>
        String(a.dispatch_next_at).localeCompare(String(b.dispatch_next_at)),
      )
      .map(claimFromRow);
  }

  async complete(
    claim: DispatchClaim,
    claimant: string,
    engineRef?: EngineObjectRef,
  ): Promise<boolean> {
    const update: Record<string, unknown> = {
      ...unclaimed,
      dispatch_attempts: 0,
      dispatch_error: null,
    };
    if (engineRef) update.engine_ref = JSON.stringify(engineRef);
    return this.writes.run(async tx => {
      const done = await tx('platform_resources')
        .where({
          id: claim.resource.id,
          dispatch_claimed_by: claimant,
          dispatch_action: claim.action,
          dispatch_generation: claim.generation,
        })
        .update({ ...update, ...nothingOwed });
      if (done === 0) {
        // Superseded: keep the newer work owed, just record the engine ref.
        await tx('platform_resources')
          .where({ id: claim.resource.id, dispatch_claimed_by: claimant })
          .update(update);
      }
      return done === 1;
    });
  }

  async release(claim: DispatchClaim, claimant: string): Promise<boolean> {
    const released = await this.db('platform_resources')
      .where({ id: claim.resource.id, dispatch_claimed_by: claimant })
      .update({ ...unclaimed, dispatch_next_at: nowIso() });
    return released === 1;
  }

  async retry(
    claim: DispatchClaim,
    claimant: string,
    message: string,
    nextAt: Date,
  ): Promise<number> {
    const attempts = claim.attempts + 1;
    const update = () =>
      this.db('platform_resources')
        .where({ id: claim.resource.id, dispatch_claimed_by: claimant })
        .update({
          ...unclaimed,
          dispatch_attempts: attempts,
          dispatch_error: message,
          dispatch_next_at: nextAt.toISOString(),
        });
    if (attempts > 1) {
      await update();
      return attempts;
    }
    // The first failure of a change is its history's; later ones are not.
    await this.db.transaction(async tx => {
      if ((await update().transacting(tx)) !== 1) return;
      await insertEvent(tx, claim.resource.id, {
        type: 'dispatch-failed',
        reason: 'EngineUnavailable',
        message: `${message}; retrying with backoff`,
        generation: claim.generation,
      });
    });
    return attempts;
  }

  fail(claim: DispatchClaim, claimant: string, message: string) {
    return this.endAttempt(claim, claimant, message, 'failed');
  }

  awaitCredentials(claim: DispatchClaim, claimant: string, message: string) {
    return this.endAttempt(claim, claimant, message, 'awaiting-credentials');
  }

  /**
   * Ends a claim's attempt for good: the engine rejected the work (the
   * resource fails, nothing stays owed) or it needs credentials nobody holds
   * (it stays owed, parked). Either way the history says why.
   */
  private async endAttempt(
    claim: DispatchClaim,
    claimant: string,
    message: string,
    outcome: 'failed' | 'awaiting-credentials',
  ): Promise<ObservationResult | undefined> {
    return this.db.transaction(async tx => {
      const row = await getResourceRow(tx, claim.resource.id);
      if (!row || row.dispatch_claimed_by !== claimant) return undefined;
      const now = nowIso();
      const failed = outcome === 'failed';
      const reason = failed ? 'EngineRejected' : 'AwaitingCredentials';
      await tx('platform_resources')
        .where({ id: row.id })
        .update({
          ...(failed
            ? { ...nothingOwed, phase: 'Failed', message }
            : {
                ...unclaimed,
                dispatch_state: 'awaiting-credentials',
                dispatch_next_at: null,
              }),
          dispatch_error: message,
          updated_at: now,
        });
      await insertEvent(tx, row.id, {
        type: 'dispatch-failed',
        at: now,
        reason,
        message,
        generation: claim.generation,
      });
      if (failed && row.phase !== 'Failed') {
        await insertEvent(tx, row.id, {
          type: 'phase-changed',
          at: now,
          fromPhase: row.phase,
          toPhase: 'Failed',
          reason,
          message,
        });
      }
      return {
        before: resourceFromRow(row),
        after: resourceFromRow((await getResourceRow(tx, row.id))!),
      };
    });
  }

  async retryNow(id: string): Promise<boolean> {
    const now = nowIso();
    const updated = await this.db('platform_resources')
      .where({ id })
      .whereNotNull('dispatch_action')
      .where(b =>
        b
          .whereNull('dispatch_claimed_until')
          .orWhere('dispatch_claimed_until', '<', now),
      )
      .update({
        dispatch_state: 'scheduled',
        dispatch_next_at: now,
        dispatch_attempts: 0,
        updated_at: now,
      });
    return updated === 1;
  }

  async scheduleReapply(id: string, reason: string): Promise<void> {
    await this.db('platform_resources')
      .where({ id })
      .whereNull('dispatch_action')
      .whereNull('deleted_at')
      .update({
        ...owed('apply', this.db.ref('generation'), nowIso()),
        dispatch_error: reason,
      });
  }
}
