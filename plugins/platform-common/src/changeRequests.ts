// Change requests: changes (create, update, delete of a resource) that wait
// for a person's approval. The shapes are those of openapi.yaml.
import type * as generated from './generated/models';

/**
 * Where a change request stands. `failed`: approved, but the change could not
 * be applied (`failure` says why).
 *
 * @public
 */
export type ChangeRequestStatus = generated.ChangeRequestStatus;

/**
 * Every {@link ChangeRequestStatus}, `pending` first (contract.ts holds the
 * list against the spec's enum, so neither can lose one).
 *
 * @public
 */
export const CHANGE_REQUEST_STATUSES = [
  'pending',
  'approved',
  'rejected',
  'expired',
  'cancelled',
  'failed',
] as const satisfies readonly ChangeRequestStatus[];

/** @public */
export type ChangeRequestOperation = generated.ChangeRequestOperation;

/**
 * Why a change needs approval: `service-principal` (a service acting for
 * nobody, such as an agent with a static token), `policy` (the policy denies
 * `platform.resource.change.withoutApproval`), `capability` (the capability
 * is marked `trellis.dev/requires-approval`).
 *
 * @public
 */
export type ApprovalReason = generated.ApprovalReason;

/** The resource a change request is for. @public */
export type ChangeRequestResource = generated.ChangeRequestResource;

/** What a change request applies on approval. @public */
export type ChangeRequestChange = generated.ChangeRequestChange;

/**
 * A change that waits for a person's approval ("change request 42").
 *
 * @public
 */
export type ChangeRequest = generated.ChangeRequest;

/**
 * The answer to a change that needs approval (HTTP 202): nothing changed yet.
 *
 * @public
 */
export type PendingApproval = generated.PendingApproval;

/** A page of change requests, newest first. @public */
export type ChangeRequestPage = generated.ChangeRequestPage;

/** Filters and paging for the change request list. @public */
export interface ListChangeRequestsQuery {
  status?: ChangeRequestStatus[];
  resourceId?: string;
  requestedBy?: string;
  /** Only those the caller requested. */
  mine?: boolean;
  /** 1 to 500, default 50. */
  limit?: number;
  cursor?: string;
}

/**
 * True when a change's answer is a change request waiting for approval
 * rather than the change made (they are told apart by `changeRequest`).
 *
 * @public
 */
export function isPendingApproval(x: unknown): x is PendingApproval {
  if (typeof x !== 'object' || x === null) return false;
  const changeRequest = (x as { changeRequest?: unknown }).changeRequest;
  return (
    typeof changeRequest === 'object' &&
    changeRequest !== null &&
    typeof (changeRequest as { id?: unknown }).id === 'string' &&
    typeof (x as { message?: unknown }).message === 'string'
  );
}

/** The signal channel of change request changes. @public */
export const CHANGE_REQUEST_SIGNAL_CHANNEL = 'platform:approvals';

/** What the platform says on {@link CHANGE_REQUEST_SIGNAL_CHANNEL}. @public */
export interface ChangeRequestSignal {
  changeRequestId: string;
  status: ChangeRequestStatus;
}
