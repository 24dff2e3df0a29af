import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { TrellisPermissionPolicy } from './TrellisPermissionPolicy';

/** Installs {@link TrellisPermissionPolicy} in the permission backend. */
export const permissionModuleTrellisPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'trellis-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        userInfo: coreServices.userInfo,
        config: coreServices.rootConfig,
      },
      async init({ policy, userInfo, config }) {
        const adminRefs = (
          config.getOptionalStringArray('platform.permissions.adminRefs') ?? [
            'group:default/platform-team',
          ]
        ).map(ref => ref.toLocaleLowerCase('en-US'));
        policy.setPolicy(
          new TrellisPermissionPolicy({
            userInfo,
            adminRefs,
            approverRefs: (
              config.getOptionalStringArray('platform.approvals.approvers') ??
              []
            ).map(ref => ref.toLocaleLowerCase('en-US')),
            productionApprovals:
              config.getOptionalBoolean(
                'trellis.permissions.approvals.production',
              ) ?? true,
          }),
        );
      },
    });
  },
});
