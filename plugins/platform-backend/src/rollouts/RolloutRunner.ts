import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  InputError,
  isError,
  NotFoundError,
} from '@backstage/errors';
import {
  EngineCallContext,
  PlatformEngine,
} from '@trellis/backstage-plugin-platform-node';
import { UserTokenVault } from '../credentials/UserTokenVault';
import { nowIso } from '../database/knexHelpers';
import { ResourceHistory, ResourceStore } from '../database/ResourceStore';
import { RolloutProgress, RolloutStore } from '../database/RolloutStore';
import { CoalescingRunner } from '../dispatch/CoalescingRunner';
import { EngineRegistry } from '../engines/EngineRegistry';

/**
 * Executes day-2 rollouts: one wave at a time, each instance upgraded through
 * its engine, the next wave after the previous one finished and the pause
 * passed. All progress lives in the store, so a restart (or another replica)
 * continues where it stopped. Every transition is a conditional update, so
 * concurrent ticks never upgrade an instance twice.
 */
export class RolloutRunner {
  /** A tick while one runs makes it look at every rollout once more. */
  private readonly runner = new CoalescingRunner(() => this.advanceAll());

  constructor(
    private readonly stores: {
      rollouts: RolloutStore;
      resources: Pick<ResourceStore, 'get' | 'getWithEngine'>;
      history: Pick<ResourceHistory, 'appendEvent'>;
    },
    private readonly engines: EngineRegistry,
    private readonly logger: LoggerService,
    private readonly tokens: UserTokenVault,
  ) {}

  /** The vault key of the token a rollout upgrades with. */
  static tokenKey(rolloutId: string) {
    return `rollout:${rolloutId}`;
  }

  tick(): Promise<void> {
    return this.runner.run();
  }

  private async advanceAll() {
    for (const rollout of await this.stores.rollouts.listRunning()) {
      try {
        await this.advance(rollout);
      } catch (error) {
        this.logger.error(`Rollout ${rollout.id} could not advance: ${error}`);
      }
    }
  }

  private async advance(rollout: RolloutProgress) {
    const wave = rollout.currentWave;
    if (rollout.nextWaveAt && rollout.nextWaveAt > nowIso()) return;
    const items = await this.stores.rollouts.waveItems(rollout.id, wave);

    for (const item of items) {
      if (item.status === 'Pending') {
        if ((await this.start(rollout, item.resourceId)) === 'paused') return;
      } else if (item.status === 'Upgrading') {
        await this.check(rollout, item.resourceId);
      }
    }

    const after = await this.stores.rollouts.waveItems(rollout.id, wave);
    if (after.some(i => i.status === 'Pending' || i.status === 'Upgrading')) {
      return;
    }
    const failed = after.filter(i => i.status === 'Failed');
    if (failed.length) {
      await this.stores.rollouts.update(
        rollout.id,
        { status: ['Running'], currentWave: wave },
        {
          status: 'Paused',
          currentWave: wave + 1,
          message: `Paused after wave ${wave + 1} of ${rollout.waveCount}: ${
            failed.length
          } instance(s) failed to upgrade. Resume to continue with the next wave.`,
          nextWaveAt: nowIso(),
        },
      );
      return;
    }
    const last = wave + 1 >= rollout.waveCount;
    await this.stores.rollouts.update(
      rollout.id,
      { status: ['Running'], currentWave: wave },
      last
        ? {
            status: 'Completed',
            currentWave: wave + 1,
            message: `Every instance is at ${rollout.targetVersion}`,
          }
        : {
            currentWave: wave + 1,
            nextWaveAt: new Date(
              Date.now() + rollout.pauseSeconds * 1000,
            ).toISOString(),
          },
    );
    if (last) {
      // Done: the starter's token has no further use.
      const key = RolloutRunner.tokenKey(rollout.id);
      const held = this.tokens.get(key);
      if (held) this.tokens.release(key, held);
    } else if (rollout.pauseSeconds === 0) {
      this.runner.askAgain(); // the next wave is due now
    }
  }

  private async start(
    rollout: RolloutProgress,
    resourceId: string,
  ): Promise<'paused' | 'continue'> {
    const found = await this.stores.resources.getWithEngine(resourceId);
    if (
      !found ||
      found.resource.deletedAt ||
      found.resource.pending?.action === 'delete'
    ) {
      await this.stores.rollouts.updateItem(rollout.id, resourceId, 'Pending', {
        status: 'Skipped',
        message: 'The resource was deleted',
        finishedAt: nowIso(),
      });
      return 'continue';
    }
    const { resource, engineId } = found;
    if (resource.appliedVersion === rollout.targetVersion) {
      await this.stores.rollouts.updateItem(rollout.id, resourceId, 'Pending', {
        status: 'Succeeded',
        message: 'Already at the target version',
        startedAt: nowIso(),
        finishedAt: nowIso(),
      });
      return 'continue';
    }
    const engine = this.engines.get(engineId);
    if (!engine.upgrade) {
      await this.stores.rollouts.updateItem(rollout.id, resourceId, 'Pending', {
        status: 'Failed',
        message: `Engine ${engine.id} cannot upgrade instances`,
        finishedAt: nowIso(),
      });
      return 'continue';
    }
    const key = RolloutRunner.tokenKey(rollout.id);
    const context: EngineCallContext = { actor: rollout.createdBy };
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
    const claimed = await this.stores.rollouts.updateItem(
      rollout.id,
      resourceId,
      'Pending',
      { status: 'Upgrading', startedAt: nowIso() },
    );
    if (!claimed) return 'continue';
    try {
      await engine.upgrade(
        { resourceId, engineRef: resource.engineRef },
        rollout.targetVersion,
        context,
      );
      await this.stores.history.appendEvent(resourceId, {
        type: 'upgrade-started',
        actor: context.actor,
        data: {
          rolloutId: rollout.id,
          fromVersion: resource.appliedVersion ?? null,
          toVersion: rollout.targetVersion,
        },
      });
    } catch (error) {
      const message = isError(error) ? error.message : String(error);
      if (held && error instanceof AuthenticationError) {
        this.tokens.release(key, held);
        await this.stores.rollouts.updateItem(
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
        await this.stores.rollouts.updateItem(
          rollout.id,
          resourceId,
          'Upgrading',
          { status: 'Pending', message: `Retrying: ${message}` },
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
    rollout: RolloutProgress,
    engine: PlatformEngine,
    reason?: string,
  ) {
    const message = `Paused in wave ${rollout.currentWave + 1} of ${
      rollout.waveCount
    }: ${engine.title} upgrades with the user's own identity (${
      engine.userAuth!.provider
    } sign-in) and ${
      reason ??
      'the platform holds no valid token for this rollout any more (it expired, or the backend restarted)'
    }. Resume to continue with your credentials.`;
    await this.stores.rollouts.update(
      rollout.id,
      { status: ['Running'] },
      { status: 'Paused', message },
    );
    this.logger.info(`Rollout ${rollout.id}: ${message}`);
  }

  private async check(rollout: RolloutProgress, resourceId: string) {
    const resource = await this.stores.resources.get(resourceId);
    if (!resource || resource.deletedAt) {
      await this.finish(
        rollout,
        resourceId,
        'Skipped',
        'The resource was deleted',
      );
    } else if (
      resource.appliedVersion === rollout.targetVersion &&
      resource.status.phase === 'Ready'
    ) {
      await this.finish(rollout, resourceId, 'Succeeded');
    } else if (resource.status.phase === 'Failed') {
      await this.finish(
        rollout,
        resourceId,
        'Failed',
        resource.status.message ?? 'The instance failed during the upgrade',
      );
    }
  }

  private async finish(
    rollout: RolloutProgress,
    resourceId: string,
    status: 'Succeeded' | 'Failed' | 'Skipped',
    message?: string,
  ) {
    const done = await this.stores.rollouts.updateItem(
      rollout.id,
      resourceId,
      'Upgrading',
      { status, message: message ?? null, finishedAt: nowIso() },
    );
    if (done && status !== 'Skipped') {
      await this.stores.history.appendEvent(resourceId, {
        type: 'upgrade-finished',
        actor: rollout.createdBy,
        message,
        data: {
          rolloutId: rollout.id,
          toVersion: rollout.targetVersion,
          result: status,
        },
      });
    }
  }
}
