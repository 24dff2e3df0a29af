import {
  ApprovalReason,
  ChangeRequest,
  CreateResourceRequest,
  JsonObject,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { createHash } from 'node:crypto';
import { NewIdempotencyKey } from '../database/ResourceStore';
import { PLATFORM_SUBJECT } from './ApprovalRules';
import { StoredChangeRequest } from './ChangeRequestStore';

/**
 * How an approved change is applied: the normal store and outbox path. Each
 * may run twice for one change request (a recovery after a crash) and has
 * one effect: a create finds the resource of its `idempotency` key, an
 * update already at `baseGeneration + 1` with its spec and a delete of a
 * resource already on its way out were done.
 */
export interface ChangeApplier {
  create(
    request: CreateResourceRequest,
    requestedBy: string,
    idempotency: NewIdempotencyKey,
  ): Promise<PlatformResource>;
  update(
    resourceId: string,
    baseGeneration: number,
    spec: JsonObject,
    actor: string,
  ): Promise<PlatformResource>;
  delete(
    resourceId: string,
    baseGeneration: number | undefined,
    actor: string,
  ): Promise<PlatformResource>;
}

/** What a change that needs approval records. */
export interface ChangeToApprove {
  operation: ChangeRequest['operation'];
  /** The resource as it is (update, delete) or would be created. */
  resource: PlatformResource;
  change: ChangeRequest['change'];
  baseGeneration?: number;
  reasons: ApprovalReason[];
  /** Creates: the caller's Idempotency-Key and the request's hash. */
  idempotency?: { key: string; requestHash: string };
}

/** Applies the change of an approved change request through `apply`. */
export async function applyChange(
  apply: ChangeApplier,
  cr: StoredChangeRequest,
): Promise<PlatformResource> {
  const actor = cr.requestedBy;
  switch (cr.operation) {
    case 'create':
      if (!cr.change.request)
        throw new Error('The change request holds no request');
      return apply.create(cr.change.request, cr.requestedBy, approvalKeyOf(cr));
    case 'update':
      if (
        !cr.change.spec ||
        cr.baseGeneration === undefined ||
        !cr.resource.id
      ) {
        throw new Error('The change request holds no spec');
      }
      return apply.update(
        cr.resource.id,
        cr.baseGeneration,
        cr.change.spec,
        actor,
      );
    case 'delete':
    default:
      if (!cr.resource.id)
        throw new Error('The change request names no resource');
      return apply.delete(cr.resource.id, cr.baseGeneration, actor);
  }
}

/**
 * The idempotency key of an approved create: the platform's own (no caller
 * can send a request as the platform), named after the change request, so
 * that applying it again finds the resource made the first time.
 */
export function approvalKeyOf(cr: StoredChangeRequest): NewIdempotencyKey {
  return {
    principal: PLATFORM_SUBJECT,
    key: `change-request:${cr.id}`,
    requestHash: createHash('sha256')
      .update(JSON.stringify(cr.change.request ?? null))
      .digest('hex'),
  };
}

/**
 * The resource a change request is about, as permission rules read it: the
 * resource's owner, environment and capability (for a create, the draft's).
 */
export function draftOf(cr: StoredChangeRequest): PlatformResource {
  return {
    id: cr.resource.id ?? `change-request-${cr.id}`,
    capabilityRef: cr.resource.capability,
    name: cr.resource.name,
    environment: cr.resource.environment,
    owner: cr.resource.owner,
    requestedBy: cr.requestedBy,
    ...(cr.resource.entityRef ? { component: cr.resource.entityRef } : {}),
    spec: cr.change.spec ?? cr.change.request?.spec ?? {},
    generation: cr.baseGeneration ?? 0,
    observedGeneration: 0,
    status: { phase: 'Pending', conditions: [] },
    outputs: {},
    createdAt: cr.createdAt,
    updatedAt: cr.createdAt,
  };
}
