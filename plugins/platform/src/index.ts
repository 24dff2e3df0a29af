/**
 * The Trellis platform frontend plugin. This entry point serves apps on the
 * legacy frontend system; `@trellis/backstage-plugin-platform/alpha` is the
 * plugin for the new frontend system.
 *
 * @packageDocumentation
 */
export {
  platformPlugin,
  PlatformPage,
  EntityPlatformContent,
  EntityPlatformCard,
  PlatformEngineCredentialsFieldExtension,
} from './plugin';
export { platformApiRef, platformApiFactory } from './api';
export {
  platformEngineAuthApiRef,
  platformEngineAuthApiFactory,
  OidcPlatformEngineAuth,
  coreOidcAuthApiRefs,
} from './engineAuth';
export type {
  PlatformEngineAuthApi,
  OidcPlatformEngineAuthOptions,
} from './engineAuth';
export {
  rootRouteRef,
  catalogRouteRef,
  capabilityRouteRef,
  resourcesRouteRef,
  resourceRouteRef,
  goldenPathsRouteRef,
  fleetRouteRef,
  approvalsRouteRef,
  changeRequestRouteRef,
  requestTemplateRouteRef,
} from './routes';
