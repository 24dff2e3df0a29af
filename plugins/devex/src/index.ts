/**
 * Trellis DevEx metrics frontend plugin. This entry point serves apps on the
 * legacy frontend system; `@trellis/backstage-plugin-devex/alpha` is the
 * plugin for the new frontend system.
 *
 * @packageDocumentation
 */
export {
  devexPlugin,
  DevexPage,
  EntityDevexTeamCard,
  EntityDevexDeliveryCard,
} from './plugin';
export { devexApiRef, devexApiFactory } from './api';
export { DevexAnalytics, devexAnalyticsApiFactory } from './analytics';
export type {
  DevexAnalyticsOptions,
  AnalyticsBatcherOptions,
} from './analytics';
export {
  rootRouteRef,
  adoptionRouteRef,
  goldenPathsRouteRef,
  serviceLevelsRouteRef,
  deliveryRouteRef,
  teamRouteRef,
} from './routes';
