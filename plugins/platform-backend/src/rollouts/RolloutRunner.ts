import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  InputError,
  isError,
  NotFoundError,
} from '@backstage/errors';
import { EngineObjectRef } from '@trellis/backstage-plugin-platform-common';
import {
  EngineCallContext,
  PlatformEngine,
} from '@trellis/backstage-plugin-platform-node';
import { UserTokenVault } from '../credentials/UserTokenVault';
import { nowIso, PlatformStore } from '../database/PlatformStore';
import { RolloutRow } from '../database/rows';
import { EngineRegistry } from '../engines/EngineRegistry';

/**
 * Executes day-2 rollouts: one wave at a time, each instance upgraded through
 * its engine, the next wave after the previous one finished and the pause
 * passed. All progress lives in the store, so a restart (or another replica)
 * continues where it stopped. Every transition is a conditional update, so
 * concurrent ticks never upgrade an instance twice.
 */
export class RolloutRunner {
  private running?: Promise<void>;
  private rerun = false;

  constructor(
    private readonly store: PlatformStore,
    private readonly engines: EngineRegistry,
    private readonly logger: LoggerService,
    private readonly tokens: UserTokenVault,
  ) {}

  /** The vault key of the token a rollout upgrades with. */
  static tokenKey(rolloutId: string) {
    return `rollout:${rolloutId}`;
  }

  async tick(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.rerun = false;
          const rollouts = await this.store.listRollouts({
            status: ['Running'],
          });
          for (const rollout of rollouts) {
            try {
              await this.advance(rollout);
            } catch (error) {
              this.logger.error(
                `Rollout ${rollout.id} could not advance: ${error}`,
              );
            }
          }
        } while (this.rerun);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async advance(rollout: RolloutRow) {
    const wave = Number(rollout.current_wave);
    if (rollout.next_wave_at && rollout.next_wave_at > nowIso()) return;
    const items = await this.store.waveItems(rollout.id, wave);

    for (const item of items) {
      if (item.status === 'Pending') {
        if ((await this.start(rollout, item.resource_id)) === 'paused') return;
      } else if (item.status === 'Upgrading') {
        await this.check(rollout, item.resource_id);
      }
    }

    const after = await this.store.waveItems(rollout.id, wave);
    if (after.some(i => i.status === 'Pending' || i.status === 'Upgrading')) {
      return;
    }
    const failed = after.filter(i => i.status === 'Failed');
    if (failed.length) {
      await this.store.updateRollout(
        rollout.id,
        { status: ['Running'], currentWave: wave },
        {
          status: 'Paused',
          current_wave: wave + 1,
          message: `Paused after wave ${wave + 1} of ${rollout.wave_count}: ${
            failed.length
          } instance(s) failed to upgrade. Resume to continue with the next wave.`,
          next_wave_at: nowIso(),
        },
      );
      return;
    }
    const last = wave + 1 >= Number(rollout.wave_count);
    await this.store.updateRollout(
      rollout.id,
      { status: ['Running'], currentWave: wave },
      last
        ? {
            status: 'Completed',
            current_wave: wave + 1,
            message: `Every instance is at ${rollout.target_version}`,
          }
        : {
            current_wave: wave + 1,
            next_wave_at: new Date(
              Date.now() + Number(rollout.pause_seconds) * 1000,
            ).toISOString(),
          },
    );
    if (last) {
      // Done: the starter's token has no further use.
      const key = RolloutRunner.tokenKey(rollout.id);
      const held = this.tokens.get(key);
      if (held) this.tokens.release(key, held);
    } else {
      this.rerun = Number(rollout.pause_seconds) === 0;
    }
  }

  private async start(
    rollout: RolloutRow,
    resourceId: string,
  ): Promise<'paused' | 'continue'> {
    const row = await this.store.getResourceRow(resourceId);
    if (!row || row.deleted_at || row.dispatch_action === 'delete') {
      await this.store.updateRolloutItem(rollout.id, resourceId, 'Pending', {
        status: 'Skipped',
        message: 'The resource was deleted',
        finished_at: nowIso(),
      });
      return 'continue';
    }
    if (row.applied_version === rollout.target_version) {
      await this.store.updateRolloutItem(rollout.id, resourceId, 'Pending', {
        status: 'Succeeded',
        message: 'Already at the target version',
        started_at: nowIso(),
        finished_at: nowIso(),
      });
      return 'continue';
    }
    const engine = this.engines.get(row.engine_id);
    if (!engine.upgrade) {
      await this.store.updateRolloutItem(rollout.id, resourceId, 'Pending', {
        status: 'Failed',
        message: `Engine ${engine.id} cannot upgrade instances`,
        finished_at: nowIso(),
      });
      return 'continue';
    }
    const key = RolloutRunner.tokenKey(rollout.id);
    const context: EngineCallContext = { actor: rollout.created_by };
    const held = engine.userAuth ? this.tokens.get(key) : undefined;
    if (engine.userAuth) {
      if (!held) {
        await this.pauseForCredentials(rollout, engine);
        return 'paused';
      }
      context.actor = held.actor;
      context.userToken = held.token;
    }
    // Claim the item first so that a concurrent tick does not upgrade it too.
    const claimed = await this.store.updateRolloutItem(
      rollout.id,
      resourceId,
      'Pending',
      { status: 'Upgrading', started_at: nowIso() },
    );
    if (!claimed) return 'continue';
    try {
      await engine.upgrade(
        {
          resourceId,
          engineRef: row.engine_ref
            ? (JSON.parse(row.engine_ref) as EngineObjectRef)
            : undefined,
        },
        rollout.target_version,
        context,
      );
      await this.store.appendEvent(resourceId, {
        type: 'upgrade-started',
        actor: context.actor,
        data: {
          rolloutId: rollout.id,
          fromVersion: row.applied_version,
          toVersion: rollout.target_version,
        },
      });
    } catch (error) {
      const message = isError(error) ? error.message : String(error);
      if (held && error instanceof AuthenticationError) {
        this.tokens.release(key, held);
        await this.store.updateRolloutItem(
          rollout.id,
          resourceId,
          'Upgrading',
          { status: 'Pending', message },
        );
        await this.pauseForCredentials(
          rollout,
          engine,
          `the target rejected the token (${message})`,
        );
        return 'paused';
      }
      if (error instanceof InputError || error instanceof NotFoundError) {
        await this.finish(rollout, resourceId, 'Failed', message);
      } else {
        // Transient: hand the item back, the next tick tries again.
        await this.store.updateRolloutItem(
          rollout.id,
          resourceId,
          'Upgrading',
          {
            status: 'Pending',
            message: `Retrying: ${message}`,
          },
        );
      }
    }
    return 'continue';
  }

  /**
   * Pauses a rollout of an engine that acts with the user's identity when no
   * valid token is held for it; resuming hands over the resumer's token.
   */
  private async pauseForCredentials(
    rollout: RolloutRow,
    engine: PlatformEngine,
    reason?: string,
  ) {
    const message = `Paused in wave ${Number(rollout.current_wave) + 1} of ${
      rollout.wave_count
    }: ${engine.title} upgrades with the user's own identity (${
      engine.userAuth!.provider
    } sign-in) and ${
      reason ??
      'the platform holds no valid token for this rollout any more (it expired, or the backend restarted)'
    }. Resume to continue with your credentials.`;
    await this.store.updateRollout(
      rollout.id,
      { status: ['Running'] },
      { status: 'Paused', message },
    );
    this.logger.info(`Rollout ${rollout.id}: ${message}`);
  }

  private async check(rollout: RolloutRow, resourceId: string) {
    const row = await this.store.getResourceRow(resourceId);
    if (!row || row.deleted_at) {
      await this.finish(
        rollout,
        resourceId,
        'Skipped',
        'The resource was deleted',
      );
    } else if (
      row.applied_version === rollout.target_version &&
      row.phase === 'Ready'
    ) {
      await this.finish(rollout, resourceId, 'Succeeded');
    } else if (row.phase === 'Failed') {
      await this.finish(
        rollout,
        resourceId,
        'Failed',
        row.message ?? 'The instance failed during the upgrade',
      );
    }
  }

  private async finish(
    rollout: RolloutRow,
    resourceId: string,
    status: 'Succeeded' | 'Failed' | 'Skipped',
    message?: string,
  ) {
    const done = await this.store.updateRolloutItem(
      rollout.id,
      resourceId,
      'Upgrading',
      { status, message: message ?? null, finished_at: nowIso() },
    );
    if (done && status !== 'Skipped') {
      await this.store.appendEvent(resourceId, {
        type: 'upgrade-finished',
        actor: rollout.created_by,
        message,
        data: {
          rolloutId: rollout.id,
          toVersion: rollout.target_version,
          result: status,
        },
      });
    }
  }
}
