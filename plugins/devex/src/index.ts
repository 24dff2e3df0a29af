/**
 * Trellis DevEx metrics frontend plugin. This entry point serves apps on the
 * legacy frontend system; `@trellis/backstage-plugin-devex/alpha` is the
 * plugin for the new frontend system.
 *
 * @packageDocumentation
 */
export { devexPlugin } from './plugin';
