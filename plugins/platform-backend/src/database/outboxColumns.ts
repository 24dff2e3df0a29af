import { Knex } from 'knex';

/**
 * The outbox columns of platform_resources (see DispatchOutbox), written by
 * the resource store when a change owes the engine something and by the
 * outbox when the work moves on. `dispatch_state` (migration
 * 20261202110000) says where owed work stands; it is NULL exactly when
 * nothing is owed.
 */
export type DispatchState = 'scheduled' | 'awaiting-credentials';

/** Work owed to the engine, claimable from `at` on, with no attempts yet. */
export function owed<G extends number | Knex.Ref<string, {}>>(
  action: 'apply' | 'delete',
  generation: G,
  at: string,
) {
  return {
    dispatch_action: action,
    dispatch_state: 'scheduled' as DispatchState,
    dispatch_generation: generation,
    dispatch_attempts: 0,
    dispatch_next_at: at,
    dispatch_error: null,
  };
}

/** Nothing owed, nobody holds a claim. */
export const nothingOwed = {
  dispatch_action: null,
  dispatch_state: null,
  dispatch_next_at: null,
  dispatch_claimed_by: null,
  dispatch_claimed_until: null,
};

/** No claim held. */
export const unclaimed = {
  dispatch_claimed_by: null,
  dispatch_claimed_until: null,
};
