import {
  AnalyticsImplementationBlueprint,
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
  SubPageBlueprint,
} from '@backstage/frontend-plugin-api';
import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import InsightsIcon from '@mui/icons-material/Insights';
import { DevexClient } from '@trellis/backstage-plugin-devex-common';
import { devexApiRef } from './api';
import { DevexAnalytics } from './analytics';
import {
  adoptionRouteRef,
  deliveryRouteRef,
  goldenPathsRouteRef,
  rootRouteRef,
  serviceLevelsRouteRef,
  teamRouteRef,
} from './routes';
import { PageContent } from './components/PageContent';

// The route refs are shared with the legacy plugin; converting them lets the
// shared components resolve them in either system.
const routes = {
  root: convertLegacyRouteRef(rootRouteRef),
  adoption: convertLegacyRouteRef(adoptionRouteRef),
  goldenPaths: convertLegacyRouteRef(goldenPathsRouteRef),
  serviceLevels: convertLegacyRouteRef(serviceLevelsRouteRef),
  delivery: convertLegacyRouteRef(deliveryRouteRef),
  team: convertLegacyRouteRef(teamRouteRef),
};

/** The DevEx API client. @alpha */
export const devexApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: devexApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new DevexClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * Frontend analytics for the DevEx metrics: the app's analytics API hands
 * every event to it (next to any other implementation), and it sends them in
 * batches to the devex backend with the user's credentials.
 *
 * @alpha
 */
export const devexAnalyticsImplementation =
  AnalyticsImplementationBlueprint.make({
    params: defineParams =>
      defineParams({
        deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
        factory: ({ discoveryApi, fetchApi }) =>
          DevexAnalytics.fromApis({ discoveryApi, fetchApi }),
      }),
  });

/**
 * The DevEx page; its title and icon make the sidebar item, its sub-pages
 * the tabs.
 *
 * @alpha
 */
export const devexPage = PageBlueprint.make({
  params: {
    path: '/devex',
    title: 'DevEx',
    icon: <InsightsIcon fontSize="inherit" />,
    routeRef: routes.root,
  },
});

/** The adoption tab (the default). @alpha */
export const devexAdoptionSubPage = SubPageBlueprint.make({
  name: 'adoption',
  params: {
    path: 'adoption',
    title: 'Adoption',
    loader: () =>
      import('./components/AdoptionTab').then(m => (
        <PageContent>
          <m.AdoptionTab />
        </PageContent>
      )),
  },
});

/** The golden paths tab. @alpha */
export const devexGoldenPathsSubPage = SubPageBlueprint.make({
  name: 'golden-paths',
  params: {
    path: 'golden-paths',
    title: 'Golden paths',
    loader: () =>
      import('./components/GoldenPathsTab').then(m => (
        <PageContent>
          <m.GoldenPathsTab />
        </PageContent>
      )),
  },
});

/** The platform service levels tab. @alpha */
export const devexServiceLevelsSubPage = SubPageBlueprint.make({
  name: 'service-levels',
  params: {
    path: 'service-levels',
    title: 'Service levels',
    loader: () =>
      import('./components/ServiceLevelsTab').then(m => (
        <PageContent>
          <m.ServiceLevelsTab />
        </PageContent>
      )),
  },
});

/** The delivery (DORA) tab. @alpha */
export const devexDeliverySubPage = SubPageBlueprint.make({
  name: 'delivery',
  params: {
    path: 'delivery',
    title: 'Delivery',
    loader: () =>
      import('./components/DeliveryTab').then(m => (
        <PageContent>
          <m.DeliveryTab />
        </PageContent>
      )),
  },
});

/** One team's adoption, golden paths, service levels, delivery and onboarding. @alpha */
export const devexTeamSubPage = SubPageBlueprint.make({
  name: 'team',
  params: {
    path: 'team',
    title: 'Team',
    loader: () =>
      import('./components/TeamTab').then(m => (
        <PageContent>
          <m.TeamTab />
        </PageContent>
      )),
  },
});

/** A component's delivery figures on its entity page. @alpha */
export const devexDeliveryEntityCard = EntityCardBlueprint.make({
  name: 'delivery',
  params: {
    filter: { kind: 'component' },
    loader: () =>
      import('./components/EntityDevexDeliveryCard').then(m => (
        <m.EntityDevexDeliveryCard />
      )),
  },
});

/** A group's headline DevEx figures on its entity page. @alpha */
export const devexTeamEntityCard = EntityCardBlueprint.make({
  name: 'team',
  params: {
    filter: { kind: 'group' },
    loader: () =>
      import('./components/EntityDevexTeamCard').then(m => (
        <m.EntityDevexTeamCard />
      )),
  },
});

/**
 * The Trellis DevEx plugin for the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'devex',
  title: 'DevEx',
  icon: <InsightsIcon fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  extensions: [
    devexApi,
    devexAnalyticsImplementation,
    devexPage,
    devexAdoptionSubPage,
    devexGoldenPathsSubPage,
    devexServiceLevelsSubPage,
    devexDeliverySubPage,
    devexTeamSubPage,
    devexTeamEntityCard,
    devexDeliveryEntityCard,
  ],
  routes,
});
