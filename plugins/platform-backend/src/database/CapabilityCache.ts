import { Capability } from '@trellis/backstage-plugin-platform-common';
import { Knex } from 'knex';
import { nowIso } from './knexHelpers';
import { capabilityFromRow } from './rows';

/**
 * The last known capabilities of every engine, so that requests validate
 * while an engine is down.
 */
export interface CapabilityCache {
  /** Replaces everything known of one engine's capabilities. */
  replaceEngineCapabilities(
    engineId: string,
    capabilities: Capability[],
  ): Promise<void>;
  /** Every engine's, by ref. */
  listCapabilities(): Promise<Capability[]>;
}

/** {@link CapabilityCache} in `platform_capabilities`. */
export class KnexCapabilityCache implements CapabilityCache {
  constructor(private readonly db: Knex) {}

  async replaceEngineCapabilities(
    engineId: string,
    capabilities: Capability[],
  ): Promise<void> {
    const now = nowIso();
    await this.db.transaction(async tx => {
      await tx('platform_capabilities').where({ engine_id: engineId }).delete();
      if (capabilities.length) {
        await tx.batchInsert(
          'platform_capabilities',
          capabilities.map(c => ({
            ref: c.ref,
            engine_id: engineId,
            data: JSON.stringify(c),
            updated_at: now,
          })),
          100,
        );
      }
    });
  }

  async listCapabilities(): Promise<Capability[]> {
    const rows = await this.db('platform_capabilities').orderBy('ref');
    return rows.map(capabilityFromRow);
  }
}
