import { Knex } from 'knex';
import { Tx } from './knexHelpers';
import { NewIdempotencyKey } from './ResourceStore';

/** A create request recorded under its caller's Idempotency-Key. */
export interface IdempotentRequest {
  resourceId: string;
  /** A hash of the request, to tell a replay from a different request. */
  requestHash: string;
}

/**
 * Idempotency-Keys of create requests, per caller. Keys are written with
 * their resource (ResourceStore.insert), in its transaction.
 */
export interface IdempotencyKeyStore {
  find(principal: string, key: string): Promise<IdempotentRequest | undefined>;
}

export class KnexIdempotencyKeyStore implements IdempotencyKeyStore {
  constructor(private readonly db: Knex) {}

  async find(
    principal: string,
    key: string,
  ): Promise<IdempotentRequest | undefined> {
    const row: { resource_id: string; request_hash: string } | undefined =
      await this.db('platform_idempotency_keys')
        .where({ principal, key })
        .first('resource_id', 'request_hash');
    return row
      ? { resourceId: row.resource_id, requestHash: row.request_hash }
      : undefined;
  }
}

/** Records a key inside the transaction that inserts its resource. */
export async function insertIdempotencyKey(
  tx: Tx,
  key: NewIdempotencyKey,
  resourceId: string,
  at: string,
): Promise<void> {
  await tx('platform_idempotency_keys').insert({
    principal: key.principal,
    key: key.key,
    request_hash: key.requestHash,
    resource_id: resourceId,
    created_at: at,
  });
}
