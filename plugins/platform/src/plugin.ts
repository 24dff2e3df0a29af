import {
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { platformApiFactory } from './api';
import {
  EngineCredentialsField,
  ENGINE_CREDENTIALS_FIELD,
} from './components/EngineCredentialsField';
import { platformEngineAuthApiFactory } from './engineAuth';
import { requestTemplateRouteRef, rootRouteRef } from './routes';

/**
 * The Trellis platform plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const platformPlugin = createPlugin({
  id: 'platform',
  apis: [platformApiFactory, platformEngineAuthApiFactory],
  routes: { root: rootRouteRef },
  externalRoutes: { requestTemplate: requestTemplateRouteRef },
});

/**
 * The platform portal (service catalog, resources, golden paths, fleet), for
 * a `<Route path="/platform">` in a legacy app.
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

/**
 * The "Platform" tab of a component's entity page: its resources with live
 * status.
 *
 * @public
 */
export const EntityPlatformContent = platformPlugin.provide(
  createComponentExtension({
    name: 'EntityPlatformContent',
    component: {
      lazy: () =>
        import('./components/EntityPlatform').then(
          m => m.EntityPlatformContent,
        ),
    },
  }),
);

/**
 * A card with a component's resources and their live status.
 *
 * @public
 */
export const EntityPlatformCard = platformPlugin.provide(
  createComponentExtension({
    name: 'EntityPlatformCard',
    component: {
      lazy: () =>
        import('./components/EntityPlatform').then(m => m.EntityPlatformCard),
    },
  }),
);

/**
 * The scaffolder field `ui:field: PlatformEngineCredentials`: for the
 * capability in `ui:options.capabilityRef`, when its engine acts with the
 * user's identity, gets the user's token and keeps it as the template secret
 * `platformEngineToken`, for `engineToken: ${{ secrets.platformEngineToken }}`
 * of `platform:resource:request`. Legacy apps put it inside
 * `<ScaffolderFieldExtensions>`.
 *
 * @public
 */
export const PlatformEngineCredentialsFieldExtension = platformPlugin.provide(
  createScaffolderFieldExtension({
    name: ENGINE_CREDENTIALS_FIELD,
    component: EngineCredentialsField,
  }),
);
