import {
  Rollout,
  RolloutItemStatus,
  RolloutStatus,
} from '@trellis/backstage-plugin-platform-common';
import { Knex } from 'knex';
import { nowIso } from './knexHelpers';
import {
  NewRollout,
  RolloutChange,
  RolloutProgress,
  RolloutStore,
  WaveItem,
  WaveItemChange,
} from './RolloutStore';
import { RolloutItemRow, rolloutFromRows, RolloutRow } from './rows';

type ItemWithResource = RolloutItemRow & { name: string; environment: string };

/** Undefined fields are left alone, as the change types promise. */
function definedOnly(values: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined),
  );
}

/** {@link RolloutStore} in `platform_rollouts` and `platform_rollout_items`. */
export class KnexRolloutStore implements RolloutStore {
  constructor(private readonly db: Knex) {}

  async create(rollout: NewRollout): Promise<Rollout> {
    const now = nowIso();
    const waveCount = rollout.items.length
      ? Math.max(...rollout.items.map(i => i.wave)) + 1
      : 0;
    await this.db.transaction(async tx => {
      await tx('platform_rollouts').insert({
        id: rollout.id,
        capability_ref: rollout.capabilityRef,
        target_version: rollout.targetVersion,
        wave_size: rollout.waveSize,
        pause_seconds: rollout.pauseSeconds,
        status: waveCount ? 'Running' : 'Completed',
        message: waveCount
          ? null
          : 'Every instance is already at the target version',
        current_wave: 0,
        wave_count: waveCount,
        next_wave_at: now,
        created_by: rollout.createdBy,
        created_at: now,
        updated_at: now,
      });
      if (rollout.items.length) {
        await tx.batchInsert(
          'platform_rollout_items',
          rollout.items.map(i => ({
            rollout_id: rollout.id,
            resource_id: i.resourceId,
            wave: i.wave,
            status: 'Pending',
            from_version: i.fromVersion ?? null,
          })),
          100,
        );
      }
    });
    return (await this.get(rollout.id))!;
  }

  async get(id: string): Promise<Rollout | undefined> {
    const row: RolloutRow | undefined = await this.db('platform_rollouts')
      .where({ id })
      .first();
    if (!row) return undefined;
    return rolloutFromRows(row, await this.itemsOf([id]));
  }

  async list(filter: {
    capabilityRef?: string;
    status?: RolloutStatus[];
  }): Promise<Rollout[]> {
    const rows: RolloutRow[] = await this.db('platform_rollouts')
      .modify(b => {
        if (filter.capabilityRef)
          b.where('capability_ref', filter.capabilityRef);
        if (filter.status) b.whereIn('status', filter.status);
      })
      .orderBy('created_at', 'desc');
    if (!rows.length) return [];
    const items = await this.itemsOf(rows.map(r => r.id));
    return rows.map(row =>
      rolloutFromRows(
        row,
        items.filter(i => i.rollout_id === row.id),
      ),
    );
  }

  /** The items of rollouts with their resources' names, in wave order. */
  private async itemsOf(rolloutIds: string[]): Promise<ItemWithResource[]> {
    return this.db('platform_rollout_items as i')
      .leftJoin('platform_resources as r', 'r.id', 'i.resource_id')
      .whereIn('i.rollout_id', rolloutIds)
      .select('i.*', 'r.name as name', 'r.environment as environment')
      .orderBy([
        { column: 'i.wave' },
        { column: 'r.environment' },
        { column: 'r.name' },
      ]);
  }

  async listRunning(): Promise<RolloutProgress[]> {
    const rows: RolloutRow[] = await this.db('platform_rollouts')
      .where('status', 'Running')
      .orderBy('created_at', 'desc');
    return rows.map(row => ({
      id: row.id,
      targetVersion: row.target_version,
      pauseSeconds: Number(row.pause_seconds),
      status: row.status,
      currentWave: Number(row.current_wave),
      waveCount: Number(row.wave_count),
      ...(row.next_wave_at ? { nextWaveAt: row.next_wave_at } : {}),
      createdBy: row.created_by,
    }));
  }

  async update(
    id: string,
    expected: { status?: RolloutStatus[]; currentWave?: number },
    change: RolloutChange,
  ): Promise<boolean> {
    const updated = await this.db('platform_rollouts')
      .where({ id })
      .modify(b => {
        if (expected.status) b.whereIn('status', expected.status);
        if (expected.currentWave !== undefined)
          b.where('current_wave', expected.currentWave);
      })
      .update({
        ...definedOnly({
          status: change.status,
          message: change.message,
          current_wave: change.currentWave,
          next_wave_at: change.nextWaveAt,
        }),
        updated_at: nowIso(),
      });
    return updated === 1;
  }

  async waveItems(rolloutId: string, wave: number): Promise<WaveItem[]> {
    const rows: RolloutItemRow[] = await this.db('platform_rollout_items')
      .where({ rollout_id: rolloutId, wave })
      .select('resource_id', 'status');
    return rows.map(r => ({ resourceId: r.resource_id, status: r.status }));
  }

  async updateItem(
    rolloutId: string,
    resourceId: string,
    expectedStatus: RolloutItemStatus,
    change: WaveItemChange,
  ): Promise<boolean> {
    const updated = await this.db('platform_rollout_items')
      .where({
        rollout_id: rolloutId,
        resource_id: resourceId,
        status: expectedStatus,
      })
      .update(
        definedOnly({
          status: change.status,
          message: change.message,
          started_at: change.startedAt,
          finished_at: change.finishedAt,
        }),
      );
    return updated === 1;
  }
}
