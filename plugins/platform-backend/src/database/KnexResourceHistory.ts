import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  ResourceEvent,
  ResourceFeedEvent,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformResourceFilter } from '@trellis/backstage-plugin-platform-node';
import { Knex } from 'knex';
import { nowIso, Tx } from './knexHelpers';
import { applyPermissionFilter } from './permissionFilter';
import { NewEvent, ResourceHistory } from './ResourceStore';
import { eventFromRow, EventRow } from './rows';

/** Appends to a resource's history, inside the caller's transaction. */
export async function insertEvent(
  tx: Tx,
  resourceId: string,
  event: NewEvent,
): Promise<void> {
  await tx('platform_resource_events').insert({
    resource_id: resourceId,
    type: event.type,
    at: event.at ?? nowIso(),
    actor: event.actor ?? null,
    from_phase: event.fromPhase ?? null,
    to_phase: event.toPhase ?? null,
    reason: event.reason ?? null,
    message: event.message ?? null,
    generation: event.generation ?? null,
    data: event.data ? JSON.stringify(event.data) : null,
  });
}

/** {@link ResourceHistory} in `platform_resource_events`. */
export class KnexResourceHistory implements ResourceHistory {
  constructor(private readonly db: Knex) {}

  async appendEvent(resourceId: string, event: NewEvent): Promise<void> {
    await insertEvent(this.db, resourceId, event);
  }

  async listEvents(resourceId: string): Promise<ResourceEvent[]> {
    const rows: EventRow[] = await this.db('platform_resource_events')
      .where({ resource_id: resourceId })
      .orderBy('id');
    return rows.map(eventFromRow);
  }

  async listEventFeed(options: {
    afterId: number;
    limit: number;
    settledBefore: string;
    permissionFilter?: PermissionCriteria<PlatformResourceFilter>;
  }): Promise<ResourceFeedEvent[]> {
    const rows: Array<
      EventRow & {
        r_name: string;
        r_capability_ref: string;
        r_engine_id: string;
        r_environment: string;
        r_owner: string;
        r_requested_by: string;
        r_component_ref: string | null;
        r_created_at: string;
      }
    > = await this.db('platform_resource_events as e')
      .join('platform_resources as r', 'r.id', 'e.resource_id')
      .where('e.id', '>', options.afterId)
      .modify(b => {
        if (options.permissionFilter) {
          b.where(f => applyPermissionFilter(f, options.permissionFilter!));
        }
      })
      .orderBy('e.id')
      .limit(options.limit)
      .select(
        'e.*',
        'r.name as r_name',
        'r.capability_ref as r_capability_ref',
        'r.engine_id as r_engine_id',
        'r.environment as r_environment',
        'r.owner as r_owner',
        'r.requested_by as r_requested_by',
        'r.component_ref as r_component_ref',
        'r.created_at as r_created_at',
      );
    const settled = rows.findIndex(row => row.at >= options.settledBefore);
    return (settled === -1 ? rows : rows.slice(0, settled)).map(row => ({
      event: eventFromRow(row),
      resource: {
        id: row.resource_id,
        name: row.r_name,
        capabilityRef: row.r_capability_ref,
        engineId: row.r_engine_id,
        environment: row.r_environment,
        owner: row.r_owner,
        requestedBy: row.r_requested_by,
        ...(row.r_component_ref ? { component: row.r_component_ref } : {}),
        createdAt: row.r_created_at,
      },
    }));
  }
}
