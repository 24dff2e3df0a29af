import {
  ChangeRequest,
  ChangeRequestStatus,
} from '@trellis/backstage-plugin-platform-common';
import { age, renderTable } from './output';

/** Statuses a change request does not leave. */
export const DECIDED: ChangeRequestStatus[] = [
  'approved',
  'rejected',
  'expired',
  'cancelled',
  'failed',
];

export const CHANGE_REQUEST_STATUSES: ChangeRequestStatus[] = [
  'pending',
  ...DECIDED,
];

/** "delete of orders-db in production" */
export function describeChange(cr: ChangeRequest): string {
  return `${cr.operation} of ${cr.resource.name} in ${cr.resource.environment}`;
}

/**
 * The line `apply` and `delete` print for a change that became a change
 * request: what waits, why, and what the requester and an approver do next.
 */
export function needsApprovalLine(cr: ChangeRequest): string {
  return `needs approval: change request ${cr.id} (${describeChange(
    cr,
  )}; why: ${cr.reasons.join(
    ', ',
  )}). Nothing changed yet. Someone else approves it with trellis approve ${
    cr.id
  } or on the portal's Approvals page; follow it with trellis approvals wait ${
    cr.id
  }`;
}

/** What a decided (or pending) change request means, in one line. */
export function outcomeLine(cr: ChangeRequest): string {
  const by = cr.decidedBy ? ` by ${cr.decidedBy}` : '';
  const comment = cr.comment ? ` ("${cr.comment}")` : '';
  const change = describeChange(cr);
  switch (cr.status) {
    case 'pending':
      return `change request ${cr.id} (${change}) is pending until ${cr.expiresAt}`;
    case 'approved':
      return `change request ${
        cr.id
      } (${change}) approved${by}${comment}; the change is applied${
        cr.resource.id ? `: trellis watch ${cr.resource.id} follows it` : ''
      }`;
    case 'failed':
      return `change request ${
        cr.id
      } (${change}) was approved${by} but could not be applied: ${
        cr.failure ?? 'no reason given'
      }`;
    default:
      return `change request ${cr.id} (${change}) ${cr.status}${by}${comment}; it will not be applied`;
  }
}

export function changeRequestTable(items: ChangeRequest[]): string {
  return renderTable(items, [
    { heading: 'ID', value: c => c.id },
    { heading: 'STATUS', value: c => c.status },
    { heading: 'CHANGE', value: c => c.operation },
    { heading: 'RESOURCE', value: c => c.resource.name },
    { heading: 'ENVIRONMENT', value: c => c.resource.environment },
    { heading: 'CAPABILITY', value: c => c.resource.capability },
    { heading: 'REQUESTED BY', value: c => c.requestedBy },
    { heading: 'WHY', value: c => c.reasons.join(',') },
    { heading: 'AGE', value: c => age(c.createdAt) },
  ]);
}

/** `trellis approvals get`: everything an approver weighs. */
export function changeRequestDetail(cr: ChangeRequest): string {
  const lines: string[] = [];
  const field = (label: string, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    lines.push(`${`${label}:`.padEnd(20)}${value}`);
  };
  field('Change request', cr.id);
  field('Status', cr.status);
  field('Change', describeChange(cr));
  field('Resource', cr.resource.id);
  field('Capability', cr.resource.capability);
  field('Owner', cr.resource.owner);
  field('Component', cr.resource.entityRef);
  field('Why', cr.reasons.join(', '));
  field(
    'Requested by',
    `${cr.requestedBy} (${cr.requestedByType}${
      cr.via ? `, via ${cr.via}` : ''
    })`,
  );
  field('Requested', cr.createdAt);
  field('Expires', cr.expiresAt);
  field('Base generation', cr.baseGeneration);
  field('Decided by', cr.decidedBy);
  field('Decided', cr.decidedAt);
  field('Comment', cr.comment);
  field('Failure', cr.failure);
  const spec = cr.change.spec ?? cr.change.request?.spec;
  if (spec) {
    lines.push('Spec:');
    const entries = Object.entries(spec);
    if (entries.length === 0) lines.push('  (empty)');
    for (const [key, value] of entries) {
      lines.push(`  ${key}: ${JSON.stringify(value)}`);
    }
  }
  lines.push('', cr.message);
  return lines.join('\n');
}
