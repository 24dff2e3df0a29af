import {
  createExternalRouteRef,
  createRouteRef,
  createSubRouteRef,
} from '@backstage/core-plugin-api';

/** The portal, mounted at `/platform` by default. @public */
export const rootRouteRef = createRouteRef({ id: 'platform' });

/** The service catalog tab. @public */
export const catalogRouteRef = createSubRouteRef({
  id: 'platform/catalog',
  parent: rootRouteRef,
  path: '/catalog',
});

/** One capability: its schema as documentation, versions and instances. @public */
export const capabilityRouteRef = createSubRouteRef({
  id: 'platform/capability',
  parent: rootRouteRef,
  path: '/capabilities/:ref',
});

/** The resource inventory tab. @public */
export const resourcesRouteRef = createSubRouteRef({
  id: 'platform/resources',
  parent: rootRouteRef,
  path: '/resources',
});

/** One resource with its live status. @public */
export const resourceRouteRef = createSubRouteRef({
  id: 'platform/resource',
  parent: rootRouteRef,
  path: '/resources/:id',
});

/** The golden paths tab. @public */
export const goldenPathsRouteRef = createSubRouteRef({
  id: 'platform/golden-paths',
  parent: rootRouteRef,
  path: '/golden-paths',
});

/** The fleet tab. @public */
export const fleetRouteRef = createSubRouteRef({
  id: 'platform/fleet',
  parent: rootRouteRef,
  path: '/fleet',
});

/** The approvals inbox tab: change requests waiting for a person. @public */
export const approvalsRouteRef = createSubRouteRef({
  id: 'platform/approvals',
  parent: rootRouteRef,
  path: '/approvals',
});

/** One change request: what it changes, its timeline, approve or reject. @public */
export const changeRequestRouteRef = createSubRouteRef({
  id: 'platform/change-request',
  parent: rootRouteRef,
  path: '/approvals/:id',
});

/**
 * Where a capability's "Request" button leads: the scaffolder's page of the
 * template generated for it. Bound to `scaffolder.selectedTemplate` by default
 * in the new frontend system; when unbound, the plain scaffolder path
 * `/create/templates/:namespace/:templateName` is used.
 *
 * @public
 */
export const requestTemplateRouteRef = createExternalRouteRef({
  id: 'platform/request-template',
  params: ['namespace', 'templateName'],
  optional: true,
  defaultTarget: 'scaffolder.selectedTemplate',
});
