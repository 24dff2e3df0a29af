import { usePermission } from '@backstage/plugin-permission-react';
import {
  PlatformResource,
  platformProductionChangePermission,
  platformResourceDeletePermission,
  platformResourceUpdatePermission,
  PRODUCTION_ENVIRONMENT,
} from '@trellis/backstage-plugin-platform-common';

function goneReason(resource: PlatformResource): string | undefined {
  if (resource.status.phase === 'Deleted') return 'This resource was deleted';
  if (resource.status.phase === 'Deleting') {
    return 'This resource is being deleted';
  }
  return undefined;
}

function deniedReason(
  check: { loading: boolean; allowed: boolean },
  denied: string,
): string | undefined {
  if (check.loading) return 'Checking your permissions…';
  return check.allowed ? undefined : denied;
}

/** Why a change is not possible right now, or undefined when it is. */
export interface ChangeReasons {
  update?: string;
  delete?: string;
  /** Handing the pending change to the engine now (`resource.pending`). */
  retry?: string;
}

/**
 * Whether the viewer may update or delete a resource, as reasons to show on
 * disabled buttons. Production resources also need the production grant.
 * The server checks again; these only spare people a pointless form.
 */
export function useChangePermissions(
  resource: PlatformResource | undefined,
): ChangeReasons {
  const resourceRef = resource?.id;
  const update = usePermission({
    permission: platformResourceUpdatePermission,
    resourceRef,
  });
  const remove = usePermission({
    permission: platformResourceDeletePermission,
    resourceRef,
  });
  const production = usePermission({
    permission: platformProductionChangePermission,
    resourceRef,
  });
  if (!resource) {
    return { update: 'Loading…', delete: 'Loading…', retry: 'Loading…' };
  }

  const gone = goneReason(resource);
  const productionReason =
    resource.environment === PRODUCTION_ENVIRONMENT
      ? deniedReason(
          production,
          'Changing production resources needs the platform.resource.production.change permission',
        )
      : undefined;

  const reason = (
    check: { loading: boolean; allowed: boolean },
    verb: string,
  ) =>
    gone ??
    deniedReason(check, `You are not allowed to ${verb} this resource`) ??
    productionReason;
  // A pending deletion is retried while the resource is Deleting, so only
  // a finished deletion rules a retry out; it needs the change's permission.
  const pendingDelete = resource.pending?.action === 'delete';
  const retry =
    (resource.status.phase === 'Deleted'
      ? 'This resource was deleted'
      : undefined) ??
    deniedReason(
      pendingDelete ? remove : update,
      `You are not allowed to ${
        pendingDelete ? 'delete' : 'update'
      } this resource`,
    ) ??
    productionReason;
  return {
    update: reason(update, 'update'),
    delete: reason(remove, 'delete'),
    retry,
  };
}
