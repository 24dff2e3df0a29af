import { InputError, NotAllowedError } from '@backstage/errors';
import {
  CHANGE_REQUEST_STATUSES,
  ListChangeRequestsQuery,
  platformResourceApprovePermission,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformCallOptions } from '@trellis/backstage-plugin-platform-node';
import { principalOf } from '../service/principal';
import { ResourceAccess } from '../service/ResourceAccess';
import { draftOf } from './applyChange';
import { StoredChangeRequest } from './ChangeRequestStore';

const LIST_DEFAULT = 50;
const LIST_MAX = 500;

/** How a change came in, from the service that forwarded it, as audit `via`. */
export function viaOf(service: string | undefined): string {
  if (!service) return 'api';
  if (service === 'plugin:mcp-actions') return 'mcp';
  if (service === 'plugin:scaffolder') return 'scaffolder';
  return service.startsWith('plugin:')
    ? service.slice('plugin:'.length)
    : 'api';
}

/** The page size; every bad filter is an InputError naming it. */
export function checkQuery(query: ListChangeRequestsQuery): number {
  for (const status of query.status ?? []) {
    if (!CHANGE_REQUEST_STATUSES.includes(status)) {
      throw new InputError(
        `status: must be one of ${CHANGE_REQUEST_STATUSES.join(
          ', ',
        )}, not '${status}'`,
      );
    }
  }
  if (query.cursor !== undefined && !/^[0-9]{1,15}$/.test(query.cursor)) {
    throw new InputError('cursor: must be a nextCursor of an earlier page');
  }
  const limit = query.limit ?? LIST_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
    throw new InputError(`limit: must be an integer from 1 to ${LIST_MAX}`);
  }
  return limit;
}

export function checkComment(
  comment: unknown,
  required: boolean,
): string | undefined {
  if (comment === undefined || comment === null) {
    if (required) {
      throw new InputError('comment: say why the change is rejected');
    }
    return undefined;
  }
  if (typeof comment !== 'string') {
    throw new InputError('comment: must be a string');
  }
  if (required && !comment.trim()) {
    throw new InputError('comment: say why the change is rejected');
  }
  if (comment.length > 2000) {
    throw new InputError('comment: at most 2000 characters');
  }
  return comment.trim() || undefined;
}

/**
 * Who may decide `cr`: the requester alone cancels; a person other than the
 * requester, holding the approve permission for its resource, approves or
 * rejects. NotAllowedError otherwise.
 */
export async function checkDecider(
  access: ResourceAccess,
  verb: 'approve' | 'reject' | 'cancel',
  cr: StoredChangeRequest,
  options: PlatformCallOptions,
): Promise<void> {
  const caller = principalOf(options.credentials);
  if (verb === 'cancel') {
    if (caller !== cr.requestedBy) {
      throw new NotAllowedError(
        `Only the requester (${cr.requestedBy}) may cancel change request ${cr.id}`,
      );
    }
    return;
  }
  const principal = options.credentials.principal as { type: string };
  if (principal.type !== 'user') {
    throw new NotAllowedError(
      `Change requests are approved by people: a service may not ${verb} change request ${cr.id}`,
    );
  }
  if (caller === cr.requestedBy) {
    throw new NotAllowedError(
      `You requested this change; someone else must ${verb} change request ${cr.id}`,
    );
  }
  if (
    !(await access.allowed(
      platformResourceApprovePermission,
      draftOf(cr),
      options,
    ))
  ) {
    throw new NotAllowedError(
      `You may not ${verb} change request ${cr.id}: it needs the ${platformResourceApprovePermission.name} permission for ${cr.resource.name}`,
    );
  }
}
