import { createPlugin } from '@backstage/core-plugin-api';

/**
 * The Trellis DevEx plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const devexPlugin = createPlugin({
  id: 'devex',
});
