import { createFrontendPlugin } from '@backstage/frontend-plugin-api';

/**
 * The Trellis DevEx plugin for the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'devex',
  extensions: [],
});
