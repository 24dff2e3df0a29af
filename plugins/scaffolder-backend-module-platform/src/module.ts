import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { platformServiceRef } from '@trellis/backstage-plugin-platform-node';
import { createPlatformActions } from './actions';

/**
 * Adds the `platform:*` actions to the scaffolder. They call the platform
 * plugin over HTTP (`platformServiceRef`, in this backend or another one) on
 * behalf of the user who started the task.
 *
 * @public
 */
export const scaffolderModulePlatform = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'platform',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        platform: platformServiceRef,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, platform, config }) {
        scaffolder.addActions(
          ...createPlatformActions(platform, {
            portalUrl: config.getOptionalString('app.baseUrl'),
          }),
        );
      },
    });
  },
});
