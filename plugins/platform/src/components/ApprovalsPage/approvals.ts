import {
  ApprovalReason,
  ChangeRequest,
  ChangeRequestStatus,
} from '@trellis/backstage-plugin-platform-common';
import { ChipProps } from '@mui/material/Chip';
import { shortEntityRef } from '../shared/format';

/** What a person with the approve permission may do with a pending request. */
export type Decision = 'approve' | 'reject';

/** Why a change needs approval, for people. */
export const REASON_LABELS: Record<ApprovalReason, string> = {
  'service-principal': 'Made by a service',
  policy: 'Policy (production)',
  capability: 'Capability needs approval',
};

/** A longer explanation of each reason, for tooltips and the detail page. */
export const REASON_DESCRIPTIONS: Record<ApprovalReason, string> = {
  'service-principal':
    'A service acting for nobody (an agent with its own token) asked for it; a person approves what agents change.',
  policy:
    'The permission policy allows this change only after approval (Trellis asks for it on production updates and deletes).',
  capability:
    'The capability is marked as needing approval for every create, update and delete.',
};

export const STATUS_COLORS: Record<ChangeRequestStatus, ChipProps['color']> = {
  pending: 'warning',
  approved: 'success',
  rejected: 'error',
  expired: 'default',
  cancelled: 'default',
  failed: 'error',
};

const STATUS_LABELS: Record<ChangeRequestStatus, string> = {
  pending: 'Waiting for approval',
  approved: 'Approved',
  rejected: 'Rejected',
  expired: 'Expired',
  cancelled: 'Cancelled',
  failed: 'Approved, failed to apply',
};

export function statusLabel(status: ChangeRequestStatus): string {
  return STATUS_LABELS[status] ?? status;
}

const OPERATION_LABELS: Record<ChangeRequest['operation'], string> = {
  create: 'Create',
  update: 'Update',
  delete: 'Delete',
};

export function operationLabel(operation: ChangeRequest['operation']) {
  return OPERATION_LABELS[operation] ?? operation;
}

const VIA_LABELS: Record<string, string> = {
  mcp: 'MCP agent',
  cli: 'CLI',
  scaffolder: 'golden path',
  api: 'API',
  ui: 'portal',
};

/** A service principal's subject as people read it: `plugin:mcp-actions` → `mcp-actions (service)`. */
function principalName(ref: string): string {
  const service = /^(plugin|external):(.+)$/.exec(ref);
  if (service) return `${service[2]} (service)`;
  return shortEntityRef(ref);
}

/**
 * Who asked, and how: "trellis-agent (service) via MCP agent", "alice via
 * CLI". An agent with its own token is its own subject; one acting for a
 * person (OAuth) is that person, via MCP.
 */
export function requesterText(request: ChangeRequest): string {
  const who = principalName(request.requestedBy);
  const via = request.via ? VIA_LABELS[request.via] ?? request.via : undefined;
  return via ? `${who} via ${via}` : who;
}

/** Someone's name for the timeline and the decision. */
export function personText(ref: string | undefined): string {
  return ref ? principalName(ref) : '—';
}

/** "orders-db (production)". */
export function resourceText(request: ChangeRequest): string {
  return `${request.resource.name} (${request.resource.environment})`;
}

/**
 * "in 2 days", "in 3 hours", "expired": how long a pending request still
 * waits; undefined for decided ones.
 */
export function expiresText(
  request: ChangeRequest,
  now = Date.now(),
): string | undefined {
  if (request.status !== 'pending') return undefined;
  const left = Date.parse(request.expiresAt) - now;
  if (Number.isNaN(left)) return undefined;
  if (left <= 0) return 'expired';
  const hours = left / 3_600_000;
  if (hours >= 48) return `in ${Math.floor(hours / 24)} days`;
  if (hours >= 24) return 'in 1 day';
  if (hours >= 1) {
    const whole = Math.floor(hours);
    return `in ${whole} ${whole === 1 ? 'hour' : 'hours'}`;
  }
  const minutes = Math.max(1, Math.floor(left / 60_000));
  return `in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

/** "Delete requested by trellis-agent via MCP agent". */
export function requestSummary(request: ChangeRequest): string {
  return `${operationLabel(request.operation)} requested by ${requesterText(
    request,
  )}`;
}
