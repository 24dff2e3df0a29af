import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  JsonObject,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { ObservedState } from '@trellis/backstage-plugin-platform-node';
import { Knex } from 'knex';
import {
  phaseAfterDeleteRequest,
  phaseAfterSpecChange,
  phaseOfObservation,
} from '../observation/phases';
import { GroupCommit } from './GroupCommit';
import {
  IdempotencyKeyStore,
  insertIdempotencyKey,
} from './IdempotencyKeyStore';
import { insertEvent } from './KnexResourceHistory';
import { isUniqueViolation, nowIso } from './knexHelpers';
import { nothingOwed, owed } from './outboxColumns';
import { ResourceQueries, searchText } from './resourceQueries';
import {
  AppliedResource,
  IdempotentReplay,
  NewIdempotencyKey,
  NewResource,
  ObservationResult,
  ResourceOnEngine,
  ResourceStore,
} from './ResourceStore';
import { getResourceRow, resourceFromRow, ResourceRow } from './rows';

/** {@link ResourceStore} in `platform_resources` and its history. */
export class KnexResourceStore implements ResourceStore {
  constructor(
    private readonly db: Knex,
    /** The writes of creates and observations, committed together. */
    private readonly writes: GroupCommit,
    private readonly queries: ResourceQueries,
    private readonly idempotencyKeys: IdempotencyKeyStore,
  ) {}

  async insert(
    resource: NewResource,
    idempotency?: NewIdempotencyKey,
  ): Promise<PlatformResource> {
    const now = nowIso();
    const row: ResourceRow = {
      id: resource.id,
      capability_ref: resource.capabilityRef,
      engine_id: resource.engineId,
      name: resource.name,
      environment: resource.environment,
      owner: resource.owner,
      requested_by: resource.requestedBy,
      component_ref: resource.component ?? null,
      spec: JSON.stringify(resource.spec),
      generation: 1,
      observed_generation: 0,
      phase: 'Pending',
      message: null,
      conditions: '[]',
      outputs: '{}',
      desired_version: resource.version,
      applied_version: null,
      engine_ref: null,
      created_at: now,
      updated_at: now,
      ready_at: null,
      deleted_at: null,
      ...owed('apply', 1, now),
      dispatch_claimed_by: null,
      dispatch_claimed_until: null,
      search_text: searchText(resource),
    };
    try {
      await this.writes.run(async tx => {
        await tx('platform_resources').insert(row);
        await insertEvent(tx, resource.id, {
          type: 'requested',
          at: now,
          actor: resource.requestedBy,
          toPhase: 'Pending',
          generation: 1,
          data: { spec: resource.spec, version: resource.version },
        });
        if (idempotency) {
          await insertIdempotencyKey(tx, idempotency, resource.id, now);
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        if (idempotency) {
          const earlier = await this.idempotencyKeys.find(
            idempotency.principal,
            idempotency.key,
          );
          if (earlier) {
            throw new IdempotentReplay(earlier.resourceId, earlier.requestHash);
          }
        }
        throw new ConflictError(
          `A resource named '${resource.name}' of ${resource.capabilityRef} already exists in environment '${resource.environment}'`,
        );
      }
      throw error;
    }
    return resourceFromRow(row);
  }

  async get(id: string): Promise<PlatformResource | undefined> {
    const row = await getResourceRow(this.db, id);
    return row ? resourceFromRow(row) : undefined;
  }

  async getWithEngine(id: string): Promise<ResourceOnEngine | undefined> {
    const row = await getResourceRow(this.db, id);
    return row
      ? { resource: resourceFromRow(row), engineId: row.engine_id }
      : undefined;
  }

  async getMany(ids: string[]): Promise<Array<PlatformResource | undefined>> {
    const rows: ResourceRow[] = await this.db('platform_resources').whereIn(
      'id',
      ids,
    );
    const byId = new Map(rows.map(r => [r.id, resourceFromRow(r)]));
    return ids.map(id => byId.get(id));
  }

  list: ResourceStore['list'] = (query, filter) =>
    this.queries.list(query, filter);

  fleetCounts: ResourceStore['fleetCounts'] = filter =>
    this.queries.fleetCounts(filter);

  listOfCapability: ResourceStore['listOfCapability'] = (ref, environments) =>
    this.queries.listOfCapability(ref, environments);

  async updateSpec(
    id: string,
    expectedGeneration: number,
    spec: JsonObject,
    actor: string,
  ): Promise<PlatformResource> {
    return this.db.transaction(async tx => {
      const row = await getResourceRow(tx, id);
      if (!row || row.deleted_at) throw new NotFoundError(`No resource ${id}`);
      if (row.dispatch_action === 'delete' || row.phase === 'Deleting') {
        throw new ConflictError(`Resource ${row.name} is being deleted`);
      }
      const now = nowIso();
      const generation = Number(row.generation) + 1;
      const phase = phaseAfterSpecChange(row.phase);
      const updated = await tx('platform_resources')
        .where({ id, generation: expectedGeneration })
        .update({
          spec: JSON.stringify(spec),
          generation,
          phase,
          updated_at: now,
          ...owed('apply', generation, now),
        });
      if (updated !== 1) {
        throw new ConflictError(
          `Resource ${row.name} is at generation ${row.generation}, not ${expectedGeneration}: reload it and apply your change again`,
        );
      }
      await insertEvent(tx, id, {
        type: 'spec-updated',
        at: now,
        actor,
        generation,
        data: { spec },
      });
      if (phase !== row.phase) {
        await insertEvent(tx, id, {
          type: 'phase-changed',
          at: now,
          actor,
          fromPhase: row.phase,
          toPhase: phase,
          reason: 'SpecUpdated',
          generation,
        });
      }
      return resourceFromRow((await getResourceRow(tx, id))!);
    });
  }

  async requestDelete(id: string, actor: string): Promise<PlatformResource> {
    return this.db.transaction(async tx => {
      const row = await getResourceRow(tx, id);
      if (!row || row.deleted_at) throw new NotFoundError(`No resource ${id}`);
      if (row.dispatch_action === 'delete') return resourceFromRow(row);
      const now = nowIso();
      // Never applied: nothing to tell the engine.
      const phase = phaseAfterDeleteRequest(row.engine_ref !== null);
      const gone = phase === 'Deleted';
      await tx('platform_resources')
        .where({ id })
        .update({
          phase,
          updated_at: now,
          deleted_at: gone ? now : null,
          ...owed('delete', row.generation, now),
          // A claim held meanwhile still records what its engine call did.
          ...(gone
            ? {
                dispatch_action: null,
                dispatch_state: null,
                dispatch_next_at: null,
              }
            : {}),
        });
      await insertEvent(tx, id, {
        type: 'delete-requested',
        at: now,
        actor,
        generation: Number(row.generation),
      });
      await insertEvent(tx, id, {
        type: 'phase-changed',
        at: now,
        actor,
        fromPhase: row.phase,
        toPhase: phase,
        reason: 'DeleteRequested',
      });
      if (gone) await insertEvent(tx, id, { type: 'deleted', at: now, actor });
      return resourceFromRow((await getResourceRow(tx, id))!);
    });
  }

  /**
   * The update is conditional on the phase read, so that two replicas
   * observing the same transition append one event.
   */
  async recordObservation(
    id: string,
    observed: ObservedState,
    instance?: string,
  ): Promise<ObservationResult | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.writes.run(async tx => {
        const row = await getResourceRow(tx, id);
        if (!row || row.deleted_at) return { done: true, value: undefined };
        // Another instance's copy (never the resource itself): ignored.
        if (
          instance &&
          row.engine_instance &&
          row.engine_instance !== instance
        ) {
          return { done: true, value: undefined };
        }
        const phase = phaseOfObservation(
          {
            phase: row.phase,
            generation: Number(row.generation),
            deleting: row.dispatch_action === 'delete',
          },
          observed,
        );
        const now = nowIso();
        const next = {
          phase,
          message: observed.message ?? null,
          conditions: JSON.stringify(observed.conditions ?? []),
          outputs: JSON.stringify(observed.outputs ?? {}),
          observed_generation: Math.max(0, observed.observedGeneration ?? 0),
          applied_version: observed.appliedVersion ?? row.applied_version,
          engine_ref: JSON.stringify(observed.engineRef),
          ready_at: row.ready_at ?? (phase === 'Ready' ? now : null),
          // Rows applied before instances were recorded: adopted by theirs.
          engine_instance: row.engine_instance ?? instance ?? null,
        };
        const unchanged =
          next.phase === row.phase &&
          next.message === row.message &&
          next.conditions === row.conditions &&
          next.outputs === row.outputs &&
          next.observed_generation === Number(row.observed_generation) &&
          next.applied_version === row.applied_version &&
          next.engine_ref === row.engine_ref &&
          next.engine_instance === (row.engine_instance ?? null);
        if (unchanged) return { done: true, value: undefined };
        const changed: ResourceRow = { ...row, ...next, updated_at: now };
        const updated = await tx('platform_resources')
          .where({ id, phase: row.phase, updated_at: row.updated_at })
          .update({ ...next, updated_at: now });
        if (updated !== 1) return { done: false, value: undefined };
        if (phase !== row.phase) {
          await insertEvent(tx, id, {
            type: 'phase-changed',
            at: now,
            fromPhase: row.phase,
            toPhase: phase,
            reason: observed.conditions?.find(c => c.reason)?.reason,
            message: observed.message,
            generation: next.observed_generation,
          });
        }
        // The row as updated, without reading it again.
        return {
          done: true,
          value: {
            before: resourceFromRow(row),
            after: resourceFromRow(changed),
          },
        };
      });
      if (result.done) return result.value;
    }
    return undefined;
  }

  async markDeleted(
    id: string,
    message?: string,
    instance?: string,
  ): Promise<ObservationResult | undefined> {
    return this.db.transaction(async tx => {
      const row = await getResourceRow(tx, id);
      if (!row || row.deleted_at) return undefined;
      if (instance && row.engine_instance && row.engine_instance !== instance) {
        return undefined; // another instance's copy is gone, not the resource
      }
      const now = nowIso();
      await tx('platform_resources')
        .where({ id })
        .update({
          phase: 'Deleted',
          message: message ?? null,
          deleted_at: now,
          updated_at: now,
          ...nothingOwed,
        });
      await insertEvent(tx, id, {
        type: 'phase-changed',
        at: now,
        fromPhase: row.phase,
        toPhase: 'Deleted',
        message,
      });
      await insertEvent(tx, id, { type: 'deleted', at: now, message });
      return {
        before: resourceFromRow(row),
        after: resourceFromRow((await getResourceRow(tx, id))!),
      };
    });
  }

  async listApplied(
    engineId: string,
    instance?: string,
  ): Promise<AppliedResource[]> {
    const rows: Array<
      Pick<
        ResourceRow,
        'id' | 'engine_ref' | 'phase' | 'dispatch_action' | 'generation'
      >
    > = await this.db('platform_resources')
      .where({ engine_id: engineId })
      .modify(b => {
        if (instance) b.where({ engine_instance: instance });
      })
      .whereNull('deleted_at')
      .whereNotNull('engine_ref')
      .select('id', 'engine_ref', 'phase', 'dispatch_action', 'generation');
    return rows.map(row => ({
      id: row.id,
      engineRef: JSON.parse(row.engine_ref!),
      phase: row.phase,
      ...(row.dispatch_action ? { pendingAction: row.dispatch_action } : {}),
      generation: Number(row.generation),
    }));
  }
}
