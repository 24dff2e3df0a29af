import {
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { devexApiFactory } from './api';
import { rootRouteRef } from './routes';

/**
 * The Trellis DevEx plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const devexPlugin = createPlugin({
  id: 'devex',
  apis: [devexApiFactory],
  routes: { root: rootRouteRef },
});

/**
 * The DevEx page (adoption, golden paths, service levels, delivery), for a
 * `<Route path="/devex">` in a legacy app.
 *
 * @public
 */
export const DevexPage = devexPlugin.provide(
  createRoutableExtension({
    name: 'DevexPage',
    component: () => import('./components/DevexPage').then(m => m.DevexPage),
    mountPoint: rootRouteRef,
  }),
);

/**
 * A component's delivery (DORA) figures with their tiers, for the component
 * entity page.
 *
 * @public
 */
export const EntityDevexDeliveryCard = devexPlugin.provide(
  createComponentExtension({
    name: 'EntityDevexDeliveryCard',
    component: {
      lazy: () =>
        import('./components/EntityDevexDeliveryCard').then(
          m => m.EntityDevexDeliveryCard,
        ),
    },
  }),
);

/**
 * A group's headline DevEx figures, for the group entity page.
 *
 * @public
 */
export const EntityDevexTeamCard = devexPlugin.provide(
  createComponentExtension({
    name: 'EntityDevexTeamCard',
    component: {
      lazy: () =>
        import('./components/EntityDevexTeamCard').then(
          m => m.EntityDevexTeamCard,
        ),
    },
  }),
);
