import {
  PermissionsRegistryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ConditionTransformer,
  createConditionTransformer,
} from '@backstage/plugin-permission-node';
import {
  ListResourceEventsQuery,
  platformResourceReadPermission,
  ResourceFeedPage,
} from '@trellis/backstage-plugin-platform-common';
import {
  PlatformCallOptions,
  PlatformResourceFilter,
  platformResourcePermissionResourceRef,
} from '@trellis/backstage-plugin-platform-node';
import { ResourceHistory } from '../database/ResourceStore';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
/** A cursor is an event id in decimal (ids are sequences, within 2^53). */
const CURSOR = /^(0|[1-9][0-9]{0,14})$/;

/**
 * The platform-wide history feed (`GET /events`): every event of every
 * resource the caller may read, in event id order, behind a cursor that
 * never skips or repeats an event.
 */
export class EventFeed {
  private readonly toFilter: ConditionTransformer<PlatformResourceFilter>;

  constructor(
    private readonly deps: {
      store: { history: Pick<ResourceHistory, 'listEventFeed'> };
      permissions: PermissionsService;
      permissionsRegistry: PermissionsRegistryService;
      /** How long the newest events are held back; see listEventFeed. */
      settleSeconds: number;
    },
  ) {
    this.toFilter = createConditionTransformer(
      deps.permissionsRegistry.getPermissionRuleset(
        platformResourcePermissionResourceRef,
      ),
    );
  }

  async list(
    query: ListResourceEventsQuery,
    options: PlatformCallOptions,
  ): Promise<ResourceFeedPage> {
    const after = query.after ?? '0';
    if (!CURSOR.test(after)) {
      throw new InputError('after: is not a cursor this API returned');
    }
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new InputError(`limit: must be an integer from 1 to ${MAX_LIMIT}`);
    }
    // Read access to resources is what the feed needs; a conditional
    // decision (e.g. only the caller's teams' resources) filters in SQL.
    const [decision] = await this.deps.permissions.authorizeConditional(
      [{ permission: platformResourceReadPermission }],
      { credentials: options.credentials },
    );
    if (decision.result === AuthorizeResult.DENY) {
      return { items: [], nextCursor: after };
    }
    const items = await this.deps.store.history.listEventFeed({
      afterId: Number(after),
      limit,
      settledBefore: new Date(
        Date.now() - this.deps.settleSeconds * 1000,
      ).toISOString(),
      permissionFilter:
        decision.result === AuthorizeResult.CONDITIONAL
          ? this.toFilter(decision.conditions)
          : undefined,
    });
    return {
      items,
      nextCursor: items.length ? items[items.length - 1].event.id : after,
    };
  }
}
