import {
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import HubIcon from '@mui/icons-material/Hub';
import { rootRouteRef } from './routes';

/**
 * The platform portal page; its title and icon make the sidebar item.
 *
 * @alpha
 */
export const platformPage = PageBlueprint.make({
  params: {
    path: '/platform',
    title: 'Platform',
    icon: <HubIcon fontSize="inherit" />,
    routeRef: convertLegacyRouteRef(rootRouteRef),
    loader: () =>
      import('./components/PlatformOverview').then(m => <m.PlatformOverview />),
  },
});

/**
 * The Trellis platform plugin for the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'platform',
  title: 'Platform',
  icon: <HubIcon fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  extensions: [platformPage],
  routes: { root: convertLegacyRouteRef(rootRouteRef) },
});
