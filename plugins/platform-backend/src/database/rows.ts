import {
  Capability,
  EngineObjectRef,
  JsonObject,
  PendingDispatch,
  PlatformResource,
  ResourceCondition,
  ResourceEvent,
  ResourceEventType,
  ResourceOutputs,
  ResourcePhase,
  Rollout,
  RolloutItem,
  RolloutItemStatus,
  RolloutStatus,
} from '@trellis/backstage-plugin-platform-common';
import { Tx } from './knexHelpers';
import { DispatchState } from './outboxColumns';

/** A row of platform_resources. Rows never leave `database/`. */
export interface ResourceRow {
  id: string;
  capability_ref: string;
  engine_id: string;
  name: string;
  environment: string;
  owner: string;
  requested_by: string;
  component_ref: string | null;
  spec: string;
  generation: number;
  observed_generation: number;
  phase: ResourcePhase;
  message: string | null;
  conditions: string;
  outputs: string;
  desired_version: string;
  applied_version: string | null;
  engine_ref: string | null;
  created_at: string;
  updated_at: string;
  ready_at: string | null;
  deleted_at: string | null;
  dispatch_action: 'apply' | 'delete' | null;
  /** Where owed work stands (migration 20261202110000); NULL when nothing is owed. */
  dispatch_state: DispatchState | null;
  dispatch_generation: number | null;
  dispatch_attempts: number;
  dispatch_next_at: string | null;
  dispatch_error: string | null;
  dispatch_claimed_by: string | null;
  dispatch_claimed_until: string | null;
  /** The instance of a process-local engine that holds it (see PlatformEngine.instanceId). */
  engine_instance?: string | null;
  search_text: string;
}

export interface EventRow {
  id: number | string;
  resource_id: string;
  type: ResourceEventType;
  at: string;
  actor: string | null;
  from_phase: ResourcePhase | null;
  to_phase: ResourcePhase | null;
  reason: string | null;
  message: string | null;
  generation: number | null;
  data: string | null;
}

export interface RolloutRow {
  id: string;
  capability_ref: string;
  target_version: string;
  wave_size: number;
  pause_seconds: number;
  status: RolloutStatus;
  message: string | null;
  current_wave: number;
  wave_count: number;
  next_wave_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface RolloutItemRow {
  rollout_id: string;
  resource_id: string;
  wave: number;
  status: RolloutItemStatus;
  from_version: string | null;
  message: string | null;
  started_at: string | null;
  finished_at: string | null;
}

/** One resource's row, inside `tx` when given one. */
export async function getResourceRow(
  tx: Tx,
  id: string,
): Promise<ResourceRow | undefined> {
  return tx('platform_resources').where({ id }).first();
}

/** Knex returns JSON text columns as strings on SQLite and PostgreSQL alike. */
function parseJson<T>(value: string | null | undefined, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return JSON.parse(value) as T;
}

const opt = <T>(value: T | null): T | undefined =>
  value === null ? undefined : value;

export function resourceFromRow(row: ResourceRow): PlatformResource {
  return {
    id: row.id,
    capabilityRef: row.capability_ref,
    name: row.name,
    environment: row.environment,
    owner: row.owner,
    requestedBy: row.requested_by,
    component: opt(row.component_ref),
    spec: parseJson<JsonObject>(row.spec, {}),
    generation: Number(row.generation),
    observedGeneration: Number(row.observed_generation),
    status: {
      phase: row.phase,
      message: opt(row.message),
      conditions: parseJson<ResourceCondition[]>(row.conditions, []),
    },
    outputs: parseJson<ResourceOutputs>(row.outputs, {}),
    appliedVersion: opt(row.applied_version),
    engineRef: parseJson<EngineObjectRef | undefined>(
      row.engine_ref,
      undefined,
    ),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    readyAt: opt(row.ready_at),
    deletedAt: opt(row.deleted_at),
    pending: pendingFromRow(row),
  };
}

/** The owed dispatch as the API shows it (see PendingDispatch). */
function pendingFromRow(row: ResourceRow): PendingDispatch | undefined {
  if (!row.dispatch_action || row.deleted_at) return undefined;
  const attempts = Number(row.dispatch_attempts ?? 0);
  let state: PendingDispatch['state'];
  if (row.dispatch_state === 'awaiting-credentials') {
    state = 'awaiting-credentials';
  } else if (attempts > 0) state = 'retrying';
  else state = 'queued';
  return {
    action: row.dispatch_action,
    state,
    message: opt(row.dispatch_error ?? null),
    attempts,
    nextAttemptAt: opt(row.dispatch_next_at ?? null),
  };
}

export function eventFromRow(row: EventRow): ResourceEvent {
  return {
    id: String(row.id),
    resourceId: row.resource_id,
    type: row.type,
    at: row.at,
    actor: opt(row.actor),
    fromPhase: opt(row.from_phase),
    toPhase: opt(row.to_phase),
    reason: opt(row.reason),
    message: opt(row.message),
    generation: row.generation === null ? undefined : Number(row.generation),
    data: parseJson<JsonObject | undefined>(row.data, undefined),
  };
}

export function capabilityFromRow(row: { data: string }): Capability {
  return JSON.parse(row.data) as Capability;
}

export function rolloutFromRows(
  row: RolloutRow,
  items: Array<RolloutItemRow & { name: string; environment: string }>,
): Rollout {
  return {
    id: row.id,
    capabilityRef: row.capability_ref,
    targetVersion: row.target_version,
    waveSize: Number(row.wave_size),
    pauseSeconds: Number(row.pause_seconds),
    status: row.status,
    message: opt(row.message),
    currentWave: Number(row.current_wave),
    waveCount: Number(row.wave_count),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    items: items.map(
      (item): RolloutItem => ({
        resourceId: item.resource_id,
        resourceName: item.name,
        environment: item.environment,
        wave: Number(item.wave),
        status: item.status,
        fromVersion: opt(item.from_version),
        message: opt(item.message),
        startedAt: opt(item.started_at),
        finishedAt: opt(item.finished_at),
      }),
    ),
  };
}
