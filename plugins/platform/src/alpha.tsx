import { Route, Routes } from 'react-router-dom';
import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
  SubPageBlueprint,
} from '@backstage/frontend-plugin-api';
import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  createFormField,
  FormFieldBlueprint,
} from '@backstage/plugin-scaffolder-react/alpha';
import HubIcon from '@mui/icons-material/Hub';
import { PlatformClient } from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from './api';
import {
  coreOidcAuthApiRefs,
  OidcPlatformEngineAuth,
  platformEngineAuthApiRef,
} from './engineAuth';
import {
  approvalsRouteRef,
  capabilityRouteRef,
  changeRequestRouteRef,
  catalogRouteRef,
  fleetRouteRef,
  goldenPathsRouteRef,
  requestTemplateRouteRef,
  resourceRouteRef,
  resourcesRouteRef,
  rootRouteRef,
} from './routes';
import { PageContent } from './components/PageContent';

// The route refs are shared with the legacy plugin; converting them lets the
// shared components resolve them in either system.
const routes = {
  root: convertLegacyRouteRef(rootRouteRef),
  catalog: convertLegacyRouteRef(catalogRouteRef),
  capability: convertLegacyRouteRef(capabilityRouteRef),
  resources: convertLegacyRouteRef(resourcesRouteRef),
  resource: convertLegacyRouteRef(resourceRouteRef),
  goldenPaths: convertLegacyRouteRef(goldenPathsRouteRef),
  fleet: convertLegacyRouteRef(fleetRouteRef),
  approvals: convertLegacyRouteRef(approvalsRouteRef),
  changeRequest: convertLegacyRouteRef(changeRequestRouteRef),
};

/** The platform API client. @alpha */
export const platformApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: platformApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new PlatformClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The signed-in user's own tokens for engines that act with the user's
 * identity, from the core OpenID Connect providers. Apps with a custom OIDC
 * provider replace it: a frontend module for plugin `platform` with an
 * `ApiBlueprint` named `engine-auth` whose factory builds
 * `OidcPlatformEngineAuth` with `customProviders`.
 *
 * @alpha
 */
export const platformEngineAuthApi = ApiBlueprint.make({
  name: 'engine-auth',
  params: defineParams =>
    defineParams({
      api: platformEngineAuthApiRef,
      deps: coreOidcAuthApiRefs,
      factory: providers => new OidcPlatformEngineAuth({ providers }),
    }),
});

/**
 * The scaffolder field `ui:field: PlatformEngineCredentials`, which keeps
 * the user's token for the template's capability as the secret
 * `platformEngineToken`.
 *
 * @alpha
 */
export const platformEngineCredentialsFormField = FormFieldBlueprint.make({
  name: 'engine-credentials',
  params: {
    field: () =>
      import('./components/EngineCredentialsField').then(m =>
        createFormField({
          name: m.ENGINE_CREDENTIALS_FIELD,
          component: m.EngineCredentialsField,
        }),
      ),
  },
});

/**
 * The scaffolder field `ui:field: PlatformComponentPicker`: a catalog
 * component for the new resource, the user's own components first.
 *
 * @alpha
 */
export const platformComponentPickerFormField = FormFieldBlueprint.make({
  name: 'component-picker',
  params: {
    field: () =>
      import('./components/ComponentPicker').then(m =>
        createFormField({
          name: m.COMPONENT_PICKER_FIELD,
          component: m.ComponentPicker,
        }),
      ),
  },
});

/**
 * The portal page; its title and icon make the sidebar item, its sub-pages
 * the tabs.
 *
 * @alpha
 */
export const platformPage = PageBlueprint.make({
  params: {
    path: '/platform',
    title: 'Platform',
    icon: <HubIcon fontSize="inherit" />,
    routeRef: routes.root,
  },
});

/** The service catalog tab (the default). @alpha */
export const platformCatalogSubPage = SubPageBlueprint.make({
  name: 'catalog',
  params: {
    path: 'catalog',
    title: 'Service catalog',
    loader: () =>
      import('./components/CatalogPage').then(m => (
        <PageContent>
          <m.CatalogPage />
        </PageContent>
      )),
  },
});

/** The resource inventory tab, with each resource's page under it. @alpha */
export const platformResourcesSubPage = SubPageBlueprint.make({
  name: 'resources',
  params: {
    path: 'resources',
    title: 'Resources',
    loader: () =>
      import('./components/ResourcesPage').then(m => (
        <PageContent>
          <m.ResourcesPage />
        </PageContent>
      )),
  },
});

/** The golden paths tab. @alpha */
export const platformGoldenPathsSubPage = SubPageBlueprint.make({
  name: 'golden-paths',
  params: {
    path: 'golden-paths',
    title: 'Golden paths',
    loader: () =>
      import('./components/GoldenPathsPage').then(m => (
        <PageContent>
          <m.GoldenPathsPage />
        </PageContent>
      )),
  },
});

/** The fleet tab. @alpha */
export const platformFleetSubPage = SubPageBlueprint.make({
  name: 'fleet',
  params: {
    path: 'fleet',
    title: 'Fleet',
    loader: () =>
      import('./components/FleetPage').then(m => (
        <PageContent>
          <m.FleetPage />
        </PageContent>
      )),
  },
});

/**
 * The approvals tab: change requests waiting for a person, with each
 * request's page (`approvals/:id`) under it. @alpha
 */
export const platformApprovalsSubPage = SubPageBlueprint.make({
  name: 'approvals',
  params: {
    path: 'approvals',
    title: 'Approvals',
    loader: () =>
      import('./components/ApprovalsPage').then(m => (
        <PageContent>
          <m.ApprovalsPage />
        </PageContent>
      )),
  },
});

/**
 * A capability's page at `/platform/capabilities/:ref`. Sub-pages are tabs,
 * and a capability is not one, so it is a page of its own (no nav item: it
 * has no route ref; links use the `capability` sub route of the root).
 *
 * @alpha
 */
export const platformCapabilityPage = PageBlueprint.make({
  name: 'capability',
  params: {
    path: '/platform/capabilities',
    loader: () =>
      import('./components/CapabilityPage').then(m => (
        <PageContent>
          <Routes>
            <Route path=":ref" element={<m.CapabilityPage />} />
          </Routes>
        </PageContent>
      )),
  },
});

/** The "Platform" tab of component entity pages. @alpha */
export const platformEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'platform',
    title: 'Platform',
    filter: { kind: 'component' },
    loader: () =>
      import('./components/EntityPlatform').then(m => (
        <m.EntityPlatformContent />
      )),
  },
});

/** A card with the component's resources and their live status. @alpha */
export const platformEntityCard = EntityCardBlueprint.make({
  params: {
    filter: { kind: 'component' },
    loader: () =>
      import('./components/EntityPlatform').then(m => <m.EntityPlatformCard />),
  },
});

/**
 * Cards for an app's home page: the signed-in user's teams' resources with
 * live phases (`YourResourcesCard`), their latest golden-path runs
 * (`GoldenPathRunsCard`) and what the platform offers
 * (`PlatformOffersCard`). Loaded on demand, for `HomePageWidgetBlueprint`'s
 * `components` loader; they need this plugin installed (its API and routes).
 *
 * @alpha
 */
export const loadPlatformHomeCards = () => import('./components/Home');

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
  extensions: [
    platformApi,
    platformEngineAuthApi,
    platformEngineCredentialsFormField,
    platformComponentPickerFormField,
    platformPage,
    platformCatalogSubPage,
    platformResourcesSubPage,
    platformGoldenPathsSubPage,
    platformFleetSubPage,
    platformApprovalsSubPage,
    platformCapabilityPage,
    platformEntityContent,
    platformEntityCard,
  ],
  routes,
  externalRoutes: {
    requestTemplate: convertLegacyRouteRef(requestTemplateRouteRef),
  },
});
