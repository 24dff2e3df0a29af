import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  platformCapabilityReadPermission,
  platformCapabilityReconcilePermission,
  platformProductionChangePermission,
  platformResourceApprovePermission,
  platformResourceChangeWithoutApprovalPermission,
  platformResourceCreatePermission,
  platformResourceDeletePermission,
  platformResourceReadPermission,
  platformRolloutCreatePermission,
  platformRolloutReadPermission,
} from '@trellis/backstage-plugin-platform-common';
import { catalogEntityDeletePermission } from '@backstage/plugin-catalog-common/alpha';
import {
  devexAdminPermission,
  devexMetricsReadPermission,
} from '@trellis/backstage-plugin-devex-common';
import { TrellisPermissionPolicy } from './TrellisPermissionPolicy';

const memberships: Record<string, string[]> = {
  'user:default/dev': ['user:default/dev', 'group:default/team-a'],
  'user:default/ada': ['user:default/ada', 'group:default/platform-team'],
};

const policy = new TrellisPermissionPolicy({
  userInfo: mockServices.userInfo.mock({
    getUserInfo: async credentials => {
      const ref = (credentials.principal as { userEntityRef: string })
        .userEntityRef;
      return { userEntityRef: ref, ownershipEntityRefs: memberships[ref] };
    },
  }),
  adminRefs: ['group:default/platform-team'],
});

const as = (ref: string) => ({
  credentials: mockCredentials.user(ref),
  info: { userEntityRef: ref, ownershipEntityRefs: memberships[ref] },
});

describe('TrellisPermissionPolicy', () => {
  it('lets everyone read the platform', async () => {
    for (const permission of [
      platformCapabilityReadPermission,
      platformResourceReadPermission,
      platformRolloutReadPermission,
    ]) {
      expect(
        await policy.handle({ permission }, as('user:default/dev')),
      ).toEqual({ result: AuthorizeResult.ALLOW });
    }
  });

  it('lets developers manage what their groups own', async () => {
    for (const permission of [
      platformResourceCreatePermission,
      platformResourceDeletePermission,
    ]) {
      expect(
        await policy.handle({ permission }, as('user:default/dev')),
      ).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'platform',
        resourceType: 'platform-resource',
        conditions: {
          rule: 'IS_RESOURCE_OWNER',
          resourceType: 'platform-resource',
          params: { claims: ['user:default/dev', 'group:default/team-a'] },
        },
      });
    }
  });

  it('keeps production changes, rollouts and reconciles for platform administrators', async () => {
    for (const permission of [
      platformProductionChangePermission,
      platformRolloutCreatePermission,
      platformCapabilityReconcilePermission,
    ]) {
      expect(
        (await policy.handle({ permission }, as('user:default/dev'))).result,
      ).toBe(AuthorizeResult.DENY);
      expect(
        (await policy.handle({ permission }, as('user:default/ada'))).result,
      ).toBe(AuthorizeResult.ALLOW);
    }
    expect(
      (
        await policy.handle(
          { permission: platformResourceDeletePermission },
          as('user:default/ada'),
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('leaves approving change requests to platform administrators', async () => {
    const permission = platformResourceApprovePermission;
    expect(
      (await policy.handle({ permission }, as('user:default/dev'))).result,
    ).toBe(AuthorizeResult.DENY);
    expect(
      (await policy.handle({ permission }, as('user:default/ada'))).result,
    ).toBe(AuthorizeResult.ALLOW);
    // And to the configured approvers, users or groups.
    const withApprovers = new TrellisPermissionPolicy({
      userInfo: mockServices.userInfo.mock({
        getUserInfo: async credentials => {
          const ref = (credentials.principal as { userEntityRef: string })
            .userEntityRef;
          return { userEntityRef: ref, ownershipEntityRefs: memberships[ref] };
        },
      }),
      adminRefs: ['group:default/platform-team'],
      approverRefs: ['group:default/team-a'],
    });
    expect(
      (await withApprovers.handle({ permission }, as('user:default/dev')))
        .result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('makes production updates and deletes wait for approval, for everyone, unless turned off', async () => {
    const permission = platformResourceChangeWithoutApprovalPermission;
    const outsideProduction = {
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'platform',
      resourceType: 'platform-resource',
      conditions: {
        not: {
          rule: 'IS_RESOURCE_ENVIRONMENT',
          resourceType: 'platform-resource',
          params: { environments: ['production'] },
        },
      },
    };
    for (const user of ['user:default/dev', 'user:default/ada']) {
      expect(await policy.handle({ permission }, as(user))).toEqual(
        outsideProduction,
      );
    }
    const off = new TrellisPermissionPolicy({
      userInfo: mockServices.userInfo.mock(),
      adminRefs: [],
      productionApprovals: false,
    });
    expect(
      (await off.handle({ permission }, as('user:default/dev'))).result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('shows DevEx figures to everyone and keeps raw facts and rebuilds for administrators', async () => {
    expect(
      (
        await policy.handle(
          { permission: devexMetricsReadPermission },
          as('user:default/dev'),
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      (
        await policy.handle(
          { permission: devexAdminPermission },
          as('user:default/dev'),
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
    expect(
      (
        await policy.handle(
          { permission: devexAdminPermission },
          as('user:default/ada'),
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('allows the permissions of other plugins', async () => {
    expect(
      await policy.handle(
        { permission: catalogEntityDeletePermission },
        as('user:default/dev'),
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });
});
