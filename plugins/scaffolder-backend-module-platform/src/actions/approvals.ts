import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ChangeRequest,
  ChangeRequestOperation,
} from '@trellis/backstage-plugin-platform-common';
import {
  PlatformCallOptions,
  PlatformService,
} from '@trellis/backstage-plugin-platform-node';
import { changeRequestLink } from './links';

/** Where the actions link to: the portal (`app.baseUrl`). */
export interface PortalLinks {
  /** The portal's base URL, for the log line that says where to approve. */
  portalUrl?: string;
}

/** The `approvalStatus` output, as every changing action describes it. */
export const APPROVAL_STATUS_DESCRIPTION =
  '`not-required`: the change was made. `needs-approval`: it became a change request a person approves in the portal (production changes, capabilities marked so); nothing changed yet, and the step still succeeds. Branch on it, e.g. `if: ${{ steps.database.output.approvalStatus === "not-required" }}` before a wait';

/** The `changeRequestId` output. */
export const CHANGE_REQUEST_ID_DESCRIPTION =
  'With `needs-approval`: the change request id, e.g. `42`; its page in the portal is `/platform/approvals/42`';

/** "delete of orders-db in production" */
function describeChange(cr: ChangeRequest): string {
  return `${cr.operation} of ${cr.resource.name} in ${cr.resource.environment}`;
}

/** The task log line of a change that waits for approval, with its link. */
export function logNeedsApproval(
  logger: LoggerService,
  cr: ChangeRequest,
  links: PortalLinks,
) {
  logger.info(
    `Needs approval: change request ${cr.id} (${describeChange(
      cr,
    )}; why: ${cr.reasons.join(
      ', ',
    )}). Nothing changed yet. An approver reviews it at ${
      links.portalUrl ?? ''
    }${changeRequestLink(cr.id)}`,
  );
}

/**
 * The pending change request of `operation` on a resource, if any: a retried
 * task whose first attempt became a change request finds it (the platform
 * answers a second change while one is pending with a conflict).
 */
export async function pendingChangeRequest(
  platform: PlatformService,
  resourceId: string,
  operation: ChangeRequestOperation,
  options: PlatformCallOptions,
): Promise<ChangeRequest | undefined> {
  const { items } = await platform.listChangeRequests(
    { resourceId, status: ['pending'], limit: 5 },
    options,
  );
  return items.find(cr => cr.operation === operation);
}
