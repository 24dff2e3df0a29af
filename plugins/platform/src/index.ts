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
} from './plugin';
export { platformApiRef, platformApiFactory } from './api';
export {
  rootRouteRef,
  catalogRouteRef,
  capabilityRouteRef,
  resourcesRouteRef,
  resourceRouteRef,
  goldenPathsRouteRef,
  fleetRouteRef,
  requestTemplateRouteRef,
} from './routes';
