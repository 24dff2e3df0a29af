import {
  ApprovalReason,
  ChangeRequest,
  CreateResourceRequest,
  JsonObject,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { StoredChangeRequest } from './ChangeRequestStore';

/** How an approved change is applied: the normal store and outbox path. */
export interface ChangeApplier {
  create(
    request: CreateResourceRequest,
    requestedBy: string,
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
      return apply.create(cr.change.request, cr.requestedBy);
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
