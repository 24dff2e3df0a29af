import { createPermission } from '@backstage/plugin-permission-common';

/** Read DevEx figures (by team and overall; never per person). @public */
export const devexMetricsReadPermission = createPermission({
  name: 'devex.metrics.read',
  attributes: { action: 'read' },
});

/**
 * Administer the DevEx store: export raw facts, rebuild rollups, write facts
 * over HTTP from outside the backend.
 *
 * @public
 */
export const devexAdminPermission = createPermission({
  name: 'devex.admin',
  attributes: { action: 'update' },
});

/** Every DevEx permission. @public */
export const devexPermissions = [
  devexMetricsReadPermission,
  devexAdminPermission,
];
