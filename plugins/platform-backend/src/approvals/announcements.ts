import { LoggerService } from '@backstage/backend-plugin-api';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  ApprovalReason,
  CHANGE_REQUEST_SIGNAL_CHANNEL,
  ChangeRequest,
  platformResourceApprovePermission,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { StoredChangeRequest } from './ChangeRequestStore';

/** Where change requests are announced: signals and notifications. */
export interface Announcers {
  logger: LoggerService;
  signals?: SignalsService;
  notifications?: NotificationService;
}

const REASON_TEXT: Record<ApprovalReason, string> = {
  'service-principal': 'it was made by a service (an agent), not a person',
  policy: 'the permission policy requires approval for it',
  capability: 'its capability is marked as needing approval',
};

/** The human text of a change request, by status. */
export function messageOf(cr: StoredChangeRequest): string {
  const what = `${cr.operation} of ${cr.resource.name} (${cr.resource.environment})`;
  switch (cr.status) {
    case 'pending':
      return `Needs approval: ${what}. Change request ${
        cr.id
      }; ask someone with ${
        platformResourceApprovePermission.name
      }. Why: ${cr.reasons.map(r => REASON_TEXT[r]).join('; ')}.`;
    case 'approved':
      return `Change request ${cr.id} (${what}) was approved by ${cr.decidedBy} and applied.`;
    case 'failed':
      return `Change request ${cr.id} (${what}) was approved by ${cr.decidedBy} but could not be applied: ${cr.failure}`;
    case 'rejected':
      return `Change request ${cr.id} (${what}) was rejected by ${cr.decidedBy}: ${cr.comment}`;
    case 'cancelled':
      return `Change request ${cr.id} (${what}) was cancelled by ${cr.decidedBy}.`;
    case 'expired':
    default:
      return `Change request ${cr.id} (${what}) expired on ${cr.expiresAt} without a decision.`;
  }
}

export function withMessage(cr: StoredChangeRequest): ChangeRequest {
  return { ...cr, message: messageOf(cr) };
}

/** The resource of a change request as audit events name it. */
export function auditResource(resource: PlatformResource) {
  return {
    id: resource.id,
    name: resource.name,
    capability: resource.capabilityRef,
    environment: resource.environment,
    owner: resource.owner,
  };
}

/** Signals and notifies the requester (a person) of a decision. */
export async function announceDecision(
  deps: Announcers,
  cr: StoredChangeRequest,
) {
  await signal(deps, cr);
  if (cr.requestedByType === 'user') {
    const message = messageOf(cr);
    await notify(deps, [cr.requestedBy], {
      title: `Change request ${cr.id} ${cr.status}: ${cr.operation} of ${cr.resource.name} (${cr.resource.environment})`,
      description: message,
      id: cr.id,
    });
  }
}

/** Broadcasts a change request's status on `platform:approvals`. */
export async function signal(deps: Announcers, cr: StoredChangeRequest) {
  if (!deps.signals) return;
  try {
    await deps.signals.publish({
      recipients: { type: 'broadcast' },
      channel: CHANGE_REQUEST_SIGNAL_CHANNEL,
      message: { changeRequestId: cr.id, status: cr.status },
    });
  } catch (error) {
    deps.logger.warn(`Could not signal change request ${cr.id}: ${error}`);
  }
}

/** Notifies `recipients` (entity refs) about change request `note.id`. */
export async function notify(
  deps: Announcers,
  recipients: string[],
  note: { title: string; description: string; id: string; exclude?: string },
) {
  const entityRef = [...new Set(recipients.filter(Boolean))];
  if (!deps.notifications || !entityRef.length) return;
  try {
    await deps.notifications.send({
      recipients: {
        type: 'entity',
        entityRef,
        ...(note.exclude ? { excludeEntityRef: note.exclude } : {}),
      },
      payload: {
        title: note.title,
        description: note.description,
        link: `/platform/approvals/${note.id}`,
        topic: 'platform:approvals',
        scope: `platform-change-request-${note.id}`,
      },
    });
  } catch (error) {
    // Notifications are a courtesy: the change request stands without.
    deps.logger.warn(
      `Could not notify about change request ${note.id}: ${error}`,
    );
  }
}
