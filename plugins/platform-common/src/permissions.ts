import { createPermission } from '@backstage/plugin-permission-common';

/**
 * The permission resource type of platform resources. Rules for it (is owner,
 * environment is, capability is) are registered by the platform backend.
 *
 * @public
 */
export const PLATFORM_RESOURCE_TYPE = 'platform-resource';

/** Read the capabilities the platform offers. @public */
export const platformCapabilityReadPermission = createPermission({
  name: 'platform.capability.read',
  attributes: { action: 'read' },
});

/** Read a platform resource, its history and logs; filters lists. @public */
export const platformResourceReadPermission = createPermission({
  name: 'platform.resource.read',
  attributes: { action: 'read' },
  resourceType: PLATFORM_RESOURCE_TYPE,
});

/**
 * Request a new resource. Conditions are evaluated against the resource as it
 * would be created (its capability, environment and owner).
 *
 * @public
 */
export const platformResourceCreatePermission = createPermission({
  name: 'platform.resource.create',
  attributes: { action: 'create' },
  resourceType: PLATFORM_RESOURCE_TYPE,
});

/** Change a resource's spec. @public */
export const platformResourceUpdatePermission = createPermission({
  name: 'platform.resource.update',
  attributes: { action: 'update' },
  resourceType: PLATFORM_RESOURCE_TYPE,
});

/** Delete a resource. @public */
export const platformResourceDeletePermission = createPermission({
  name: 'platform.resource.delete',
  attributes: { action: 'delete' },
  resourceType: PLATFORM_RESOURCE_TYPE,
});

/**
 * The extra grant needed to update or delete a resource in the `production`
 * environment, on top of the update or delete permission.
 *
 * @public
 */
export const platformProductionChangePermission = createPermission({
  name: 'platform.resource.production.change',
  attributes: { action: 'update' },
  resourceType: PLATFORM_RESOURCE_TYPE,
});

/**
 * Approve or reject a change request. Evaluated against the change request's
 * resource (for a create, the resource as it would be created). The requester
 * never approves their own request, and services never approve: the platform
 * enforces both whatever the policy answers.
 *
 * @public
 */
export const platformResourceApprovePermission = createPermission({
  name: 'platform.resource.approve',
  attributes: { action: 'update' },
  resourceType: PLATFORM_RESOURCE_TYPE,
});

/**
 * Make a change (create, update, delete) without a person's approval. When
 * the policy denies it for a resource, the change becomes a change request.
 * Trellis' policy denies it for production updates and deletes.
 *
 * @public
 */
export const platformResourceChangeWithoutApprovalPermission = createPermission(
  {
    name: 'platform.resource.change.withoutApproval',
    attributes: { action: 'update' },
    resourceType: PLATFORM_RESOURCE_TYPE,
  },
);

/** Start, pause and resume day-2 rollouts. @public */
export const platformRolloutCreatePermission = createPermission({
  name: 'platform.rollout.create',
  attributes: { action: 'create' },
});

/**
 * Run the configure workflows of every instance of a capability again
 * (`POST /capabilities/{ref}/reconcile`). @public
 */
export const platformCapabilityReconcilePermission = createPermission({
  name: 'platform.capability.reconcile',
  attributes: { action: 'update' },
});

/** Read day-2 rollouts and their progress. @public */
export const platformRolloutReadPermission = createPermission({
  name: 'platform.rollout.read',
  attributes: { action: 'read' },
});

/** Every permission of the platform plugin. @public */
export const platformPermissions = [
  platformCapabilityReadPermission,
  platformCapabilityReconcilePermission,
  platformResourceReadPermission,
  platformResourceCreatePermission,
  platformResourceUpdatePermission,
  platformResourceDeletePermission,
  platformProductionChangePermission,
  platformResourceApprovePermission,
  platformResourceChangeWithoutApprovalPermission,
  platformRolloutReadPermission,
  platformRolloutCreatePermission,
];

/** The environment whose destructive changes need an explicit grant. @public */
export const PRODUCTION_ENVIRONMENT = 'production';
