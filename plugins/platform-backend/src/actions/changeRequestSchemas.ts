import {
  CHANGE_REQUEST_STATUSES,
  ChangeRequest,
  PendingApproval,
} from '@trellis/backstage-plugin-platform-common';
import { Zod } from './platformAction';

/*
 * What an agent sees of a change request: the shape of the platform's
 * ChangeRequest, field by field described, plus the portal link a person
 * approves it at and what the agent can do next.
 */

/** Where change requests are reviewed: the portal's Approvals pages. */
export interface ApprovalLinks {
  /** The portal's base URL (`app.baseUrl`), without a trailing slash. */
  portalUrl?: string;
}

/** The portal page of one change request. */
export function changeRequestUrl(links: ApprovalLinks, id: string): string {
  return `${links.portalUrl ?? ''}/platform/approvals/${encodeURIComponent(
    id,
  )}`;
}

const reasonEnum = (z: Zod) =>
  z
    .enum(['service-principal', 'policy', 'capability'])
    .describe(
      "service-principal: a service acting for nobody (an agent's own token) changes nothing without a person's approval; policy: the permission policy asks for approval (by default, production updates and deletes); capability: the capability is marked as needing approval",
    );

export const changeRequestSchema = (z: Zod) =>
  z
    .object({
      id: z
        .string()
        .describe(
          'The change request id, a short number such as "42"; pass it to platform.get-change-request',
        ),
      operation: z
        .enum(['create', 'update', 'delete'])
        .describe('The change waiting for approval'),
      status: z
        .enum(CHANGE_REQUEST_STATUSES)
        .describe(
          'pending: waiting for a person; approved: applied (the resource then follows its usual phases); rejected or cancelled: never applied; expired: nobody decided in time, never applied; failed: approved, but the change could not be applied (see failure)',
        ),
      reasons: z.array(reasonEnum(z)).describe('Why the change needs approval'),
      resource: z
        .object({
          id: z
            .string()
            .optional()
            .describe(
              'The resource id; for a create, absent until it is approved',
            ),
          name: z.string().describe('The resource name'),
          capabilityRef: z
            .string()
            .describe('Its capability, e.g. local:database'),
          environment: z.string().describe('Its environment, e.g. production'),
          owner: z.string().describe('Entity ref of the owning group'),
          component: z
            .string()
            .optional()
            .describe('Entity ref of the catalog entity it belongs to'),
        })
        .describe(
          'The resource the change is for (for a create: the one it would create)',
        ),
      spec: z
        .record(z.string(), z.unknown())
        .optional()
        .describe(
          'The spec the change applies (create and update); absent for a delete',
        ),
      baseGeneration: z
        .number()
        .optional()
        .describe(
          "The resource's generation when the change was requested (update, delete): the approval fails if the resource changed since",
        ),
      requestedBy: z
        .string()
        .describe(
          'Who asked: a user entity ref (also when an agent acts for that person, via mcp), or a service such as an agent with its own token (external:copilot-agent)',
        ),
      requestedByType: z
        .enum(['user', 'service'])
        .describe('Whether a person or a service asked'),
      via: z
        .string()
        .optional()
        .describe('How the change came in, e.g. mcp, api, scaffolder, cli'),
      createdAt: z.string().describe('When it was requested (ISO 8601)'),
      expiresAt: z
        .string()
        .describe('When it expires unless someone decides it first (ISO 8601)'),
      decidedBy: z
        .string()
        .optional()
        .describe('Who approved, rejected or cancelled it'),
      decidedAt: z
        .string()
        .optional()
        .describe('When it was decided (ISO 8601)'),
      comment: z
        .string()
        .optional()
        .describe("The approver's or rejecter's comment"),
      failure: z
        .string()
        .optional()
        .describe('Why an approved change could not be applied (failed)'),
      url: z
        .string()
        .describe(
          "The change request's page in the portal, where a person approves or rejects it",
        ),
    })
    .describe('A change waiting for (or decided by) a person');

/** Undefined for null, so optional fields stay absent rather than null. */
function opt<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

export function toChangeRequestOutput(
  changeRequest: ChangeRequest,
  links: ApprovalLinks,
) {
  const { resource, change } = changeRequest;
  return {
    id: changeRequest.id,
    operation: changeRequest.operation,
    status: changeRequest.status,
    reasons: changeRequest.reasons,
    resource: {
      id: opt(resource.id),
      name: resource.name,
      capabilityRef: resource.capability,
      environment: resource.environment,
      owner: resource.owner,
      component: opt(resource.entityRef),
    },
    spec: opt(change.spec ?? change.request?.spec) as
      | Record<string, unknown>
      | undefined,
    baseGeneration: opt(changeRequest.baseGeneration),
    requestedBy: changeRequest.requestedBy,
    requestedByType: changeRequest.requestedByType,
    via: opt(changeRequest.via),
    createdAt: changeRequest.createdAt,
    expiresAt: changeRequest.expiresAt,
    decidedBy: opt(changeRequest.decidedBy),
    decidedAt: opt(changeRequest.decidedAt),
    comment: opt(changeRequest.comment),
    failure: opt(changeRequest.failure),
    url: changeRequestUrl(links, changeRequest.id),
  };
}

/** "delete of orders-db in production" */
function describeChange(changeRequest: ChangeRequest): string {
  const { operation, resource } = changeRequest;
  return `${operation} of ${resource.name} in ${resource.environment}`;
}

/**
 * What an agent reads when its change waits for a person: which request,
 * where a person reviews it, and how to follow it.
 */
export function needsApprovalMessage(
  changeRequest: ChangeRequest,
  links: ApprovalLinks,
): string {
  return `Needs approval: change request ${changeRequest.id} (${describeChange(
    changeRequest,
  )}). Nothing was changed yet. Ask an approver to review it at ${changeRequestUrl(
    links,
    changeRequest.id,
  )}; poll platform.get-change-request with id ${
    changeRequest.id
  } to learn the decision (it expires ${changeRequest.expiresAt}).`;
}

/** What an agent can do next, for a change request in any status. */
export function changeRequestNextStep(
  changeRequest: ChangeRequest,
  links: ApprovalLinks,
): string {
  const id = changeRequest.id;
  const change = describeChange(changeRequest);
  const by = changeRequest.decidedBy ? ` by ${changeRequest.decidedBy}` : '';
  const comment = changeRequest.comment ? `: "${changeRequest.comment}"` : '';
  const resourceId = changeRequest.resource.id;
  switch (changeRequest.status) {
    case 'pending':
      return `Change request ${id} (${change}) waits for a person's approval until ${
        changeRequest.expiresAt
      }; it is reviewed at ${changeRequestUrl(
        links,
        id,
      )}. Poll again later; an agent cannot approve it.`;
    case 'approved':
      return `Change request ${id} (${change}) was approved${by}${comment}. The change is applied${
        resourceId
          ? `: follow it with platform.wait-for-resource (id ${resourceId})`
          : ''
      }.`;
    case 'rejected':
      return `Change request ${id} (${change}) was rejected${by}${comment}. It will not be applied; do not ask for the same change again without resolving the comment.`;
    case 'cancelled':
      return `Change request ${id} (${change}) was cancelled${by}. It will not be applied.`;
    case 'expired':
      return `Change request ${id} (${change}) expired at ${changeRequest.expiresAt} without a decision. It will not be applied; request the change again if it is still needed.`;
    case 'failed':
      return `Change request ${id} (${change}) was approved${by} but could not be applied: ${
        changeRequest.failure ?? 'no reason given'
      }. Read the resource (platform.get-resource) and request the change again if it is still needed.`;
    default:
      return changeRequest.message;
  }
}

/** The output fields of a change that waits for approval. */
export const needsApprovalFields = (z: Zod) => ({
  status: z
    .enum(['done', 'needs-approval'])
    .describe(
      'done: the change was made (see resource); needs-approval: nothing changed yet, a person must approve the change request first (see changeRequest and message)',
    ),
  changeRequest: changeRequestSchema(z)
    .optional()
    .describe('With needs-approval: the change request waiting for a person'),
  message: z
    .string()
    .optional()
    .describe(
      'With needs-approval: what to tell the user, with the change request id and the link where a person approves it',
    ),
});

/** The answer of request, update or delete when approval is needed. */
export function needsApprovalOutput(
  pending: PendingApproval,
  links: ApprovalLinks,
) {
  return {
    status: 'needs-approval' as const,
    changeRequest: toChangeRequestOutput(pending.changeRequest, links),
    message: needsApprovalMessage(pending.changeRequest, links),
  };
}
