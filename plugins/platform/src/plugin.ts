import {
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { rootRouteRef } from './routes';

/**
 * The Trellis platform plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const platformPlugin = createPlugin({
  id: 'platform',
  routes: { root: rootRouteRef },
});

/**
 * The platform portal page, for a `<Route path="/platform">` in a legacy app.
 *
 * @public
 */
export const PlatformPage = platformPlugin.provide(
  createRoutableExtension({
    name: 'PlatformPage',
    component: () =>
      import('./components/PlatformPage').then(m => m.PlatformPage),
    mountPoint: rootRouteRef,
  }),
);
