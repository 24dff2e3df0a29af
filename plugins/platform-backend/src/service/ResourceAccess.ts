import {
  PermissionsRegistryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  PermissionCriteria,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  ConditionTransformer,
  createConditionAuthorizer,
  createConditionTransformer,
} from '@backstage/plugin-permission-node';
import {
  PLATFORM_RESOURCE_TYPE,
  platformProductionChangePermission,
  PlatformResource,
  platformResourceReadPermission,
  PRODUCTION_ENVIRONMENT,
} from '@trellis/backstage-plugin-platform-common';
import {
  PlatformCallOptions,
  PlatformResourceFilter,
  platformResourcePermissionResourceRef,
} from '@trellis/backstage-plugin-platform-node';

type PlatformResourcePermission = ResourcePermission<
  typeof PLATFORM_RESOURCE_TYPE
>;

/**
 * The platform's permission decisions: basic permissions, resource
 * permissions on one (possibly draft) resource, the production rule, and the
 * read filter that lists apply in SQL.
 */
export class ResourceAccess {
  private readonly toFilter: ConditionTransformer<PlatformResourceFilter>;
  private readonly authorizeConditions: (
    decision: PolicyDecision,
    resource: PlatformResource | undefined,
  ) => boolean;

  constructor(
    private readonly permissions: PermissionsService,
    permissionsRegistry: PermissionsRegistryService,
  ) {
    const ruleset = permissionsRegistry.getPermissionRuleset(
      platformResourcePermissionResourceRef,
    );
    this.authorizeConditions = createConditionAuthorizer(ruleset);
    this.toFilter = createConditionTransformer(ruleset);
  }

  /** NotAllowedError unless `permission` is granted outright. */
  async requireBasic(
    permission: BasicPermission,
    options: PlatformCallOptions,
  ): Promise<void> {
    const [decision] = await this.permissions.authorize([{ permission }], {
      credentials: options.credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Missing permission ${permission.name}`);
    }
  }

  /** Evaluates a resource permission against one (possibly draft) resource. */
  async allowed(
    permission: PlatformResourcePermission,
    resource: PlatformResource,
    options: PlatformCallOptions,
  ): Promise<boolean> {
    const [decision] = await this.permissions.authorizeConditional(
      [{ permission }],
      { credentials: options.credentials },
    );
    return this.authorizeConditions(decision, resource);
  }

  /**
   * One decision of `permission` for the caller, as a test of many (draft)
   * resources: for lists that are filtered in memory.
   */
  async predicate(
    permission: PlatformResourcePermission,
    options: PlatformCallOptions,
  ): Promise<(resource: PlatformResource) => boolean> {
    const [decision] = await this.permissions.authorizeConditional(
      [{ permission }],
      { credentials: options.credentials },
    );
    return resource => this.authorizeConditions(decision, resource);
  }

  /**
   * NotAllowedError unless the caller may make this change of `resource`,
   * and, in production, also holds the production-change permission.
   */
  async requireChange(
    permission: PlatformResourcePermission,
    resource: PlatformResource,
    options: PlatformCallOptions,
    verb: 'update' | 'delete',
  ): Promise<void> {
    if (!(await this.allowed(permission, resource, options))) {
      throw new NotAllowedError(
        `You may not ${verb} resource ${resource.name}`,
      );
    }
    if (
      resource.environment === PRODUCTION_ENVIRONMENT &&
      !(await this.allowed(
        platformProductionChangePermission,
        resource,
        options,
      ))
    ) {
      throw new NotAllowedError(
        `Resource ${resource.name} is in production: to ${verb} it you need the ${platformProductionChangePermission.name} permission`,
      );
    }
  }

  /**
   * The read filter for lists: undefined when everything may be read, false
   * when nothing may, or criteria to apply in SQL.
   */
  async readFilter(
    options: PlatformCallOptions,
  ): Promise<PermissionCriteria<PlatformResourceFilter> | undefined | false> {
    const [decision] = await this.permissions.authorizeConditional(
      [{ permission: platformResourceReadPermission }],
      { credentials: options.credentials },
    );
    if (decision.result === AuthorizeResult.ALLOW) return undefined;
    if (decision.result === AuthorizeResult.CONDITIONAL) {
      return this.toFilter(decision.conditions);
    }
    return false;
  }
}
