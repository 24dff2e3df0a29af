import { UserInfoService } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  PLATFORM_RESOURCE_TYPE,
  platformCapabilityReconcilePermission,
  platformProductionChangePermission,
  platformResourceApprovePermission,
  platformResourceChangeWithoutApprovalPermission,
  platformRolloutCreatePermission,
  PRODUCTION_ENVIRONMENT,
} from '@trellis/backstage-plugin-platform-common';
import { devexAdminPermission } from '@trellis/backstage-plugin-devex-common';
import {
  createPlatformResourceConditionalDecision,
  platformResourceConditions,
} from '@trellis/backstage-plugin-platform-node';

const ALLOW: PolicyDecision = { result: AuthorizeResult.ALLOW };
const DENY: PolicyDecision = { result: AuthorizeResult.DENY };

/**
 * Trellis's default policy: everyone reads the platform; developers manage the
 * resources their groups own; production changes, rollouts and re-running a
 * capability's workflows are for the platform administrators' groups, and so
 * is approving change requests (with `platform.approvals.approvers`); production updates and deletes (anyone's)
 * need a person's approval unless `productionApprovals` is off. DevEx figures are for everyone (they are
 * by team, never per person); the DevEx raw facts, which are per person, and
 * rebuilds are for the administrators. Permissions of other plugins are
 * allowed, as Backstage's allow-all policy would.
 */
export class TrellisPermissionPolicy implements PermissionPolicy {
  constructor(
    private readonly options: {
      userInfo: UserInfoService;
      /** Entity refs whose members administer the platform. */
      adminRefs: string[];
      /**
       * Production updates and deletes become change requests
       * (`trellis.permissions.approvals.production`, default true).
       */
      productionApprovals?: boolean;
      /**
       * Entity refs (users, groups) who may approve change requests besides
       * the administrators (`platform.approvals.approvers`).
       */
      approverRefs?: string[];
    },
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const isDevexAdmin = permission.name === devexAdminPermission.name;
    if (!permission.name.startsWith('platform.') && !isDevexAdmin) {
      return ALLOW;
    }
    if (permission.attributes.action === 'read') {
      return ALLOW;
    }
    if (
      permission.name ===
        platformResourceChangeWithoutApprovalPermission.name &&
      isResourcePermission(permission, PLATFORM_RESOURCE_TYPE)
    ) {
      // Asked for updates and deletes: outside production they go ahead.
      if (this.options.productionApprovals === false) return ALLOW;
      return createPlatformResourceConditionalDecision(permission, {
        not: platformResourceConditions.isResourceEnvironment({
          environments: [PRODUCTION_ENVIRONMENT],
        }),
      });
    }
    if (!user) {
      return DENY;
    }
    const { ownershipEntityRefs } = await this.options.userInfo.getUserInfo(
      user.credentials,
    );
    const claims = ownershipEntityRefs.map(ref =>
      ref.toLocaleLowerCase('en-US'),
    );
    const admin = claims.some(ref => this.options.adminRefs.includes(ref));

    if (
      isDevexAdmin ||
      permission.name === platformRolloutCreatePermission.name ||
      permission.name === platformCapabilityReconcilePermission.name ||
      permission.name === platformProductionChangePermission.name
    ) {
      return admin ? ALLOW : DENY;
    }
    if (permission.name === platformResourceApprovePermission.name) {
      const approver = claims.some(ref =>
        (this.options.approverRefs ?? []).includes(ref),
      );
      return admin || approver ? ALLOW : DENY;
    }
    if (isResourcePermission(permission, PLATFORM_RESOURCE_TYPE)) {
      return admin
        ? ALLOW
        : createPlatformResourceConditionalDecision(
            permission,
            platformResourceConditions.isResourceOwner({ claims }),
          );
    }
    return DENY;
  }
}
