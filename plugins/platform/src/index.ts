/**
 * The Trellis platform frontend plugin. This entry point serves apps on the
 * legacy frontend system; `@trellis/backstage-plugin-platform/alpha` is the
 * plugin for the new frontend system.
 *
 * @packageDocumentation
 */
export { platformPlugin, PlatformPage } from './plugin';
export { rootRouteRef } from './routes';
