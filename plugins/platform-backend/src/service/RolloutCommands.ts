import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  CreateRolloutRequest,
  platformRolloutCreatePermission,
  platformRolloutReadPermission,
  Rollout,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformCallOptions } from '@trellis/backstage-plugin-platform-node';
import { CapabilityRegistry } from '../capabilities/CapabilityRegistry';
import { nowIso } from '../database/knexHelpers';
import { PlatformStores } from '../database/PlatformStores';
import { EngineRegistry } from '../engines/EngineRegistry';
import { RolloutPlanner } from '../rollouts/RolloutPlanner';
import { RolloutRunner } from '../rollouts/RolloutRunner';
import { audited, AuditContext } from './audited';
import { EngineTokenHolds } from './EngineTokenHolds';
import { principalOf } from './principal';
import { ResourceAccess } from './ResourceAccess';

/**
 * The rollout half of the platform API: start (planned by
 * {@link RolloutPlanner}), read, pause and resume; the
 * {@link RolloutRunner} does the waves.
 */
export class RolloutCommands {
  private readonly planner: RolloutPlanner;

  constructor(
    private readonly deps: {
      store: PlatformStores;
      capabilities: CapabilityRegistry;
      engines: EngineRegistry;
      rollouts: RolloutRunner;
      access: ResourceAccess;
      tokenHolds: EngineTokenHolds;
      auditor: AuditorService;
      logger: LoggerService;
    },
  ) {
    this.planner = new RolloutPlanner(deps);
  }

  async createRollout(
    request: CreateRolloutRequest,
    options: PlatformCallOptions & AuditContext,
  ): Promise<Rollout> {
    return audited(
      this.deps,
      {
        eventId: 'rollout-create',
        severityLevel: 'high',
        options,
        meta: {
          capabilityRef: String(request?.capabilityRef ?? ''),
          targetVersion: String(request?.targetVersion ?? ''),
        },
        successMeta: rollout => ({ rolloutId: rollout.id }),
      },
      async () => {
        await this.deps.access.requireBasic(
          platformRolloutCreatePermission,
          options,
        );
        const rollout = await this.planner.plan(request, options);
        void this.deps.rollouts.tick();
        return rollout;
      },
    );
  }

  async getRollout(id: string, options: PlatformCallOptions): Promise<Rollout> {
    await this.deps.access.requireBasic(platformRolloutReadPermission, options);
    const rollout = await this.deps.store.rollouts.get(id);
    if (!rollout) throw new NotFoundError(`No rollout ${id}`);
    return rollout;
  }

  async listRollouts(
    filter: { capabilityRef?: string },
    options: PlatformCallOptions,
  ): Promise<Rollout[]> {
    await this.deps.access.requireBasic(platformRolloutReadPermission, options);
    return this.deps.store.rollouts.list(filter);
  }

  async changeRollout(
    id: string,
    action: 'pause' | 'resume',
    options: PlatformCallOptions & AuditContext,
  ): Promise<Rollout> {
    return audited(
      this.deps,
      {
        eventId: `rollout-${action}`,
        severityLevel: 'medium',
        options,
        meta: { rolloutId: id },
      },
      async () => {
        await this.deps.access.requireBasic(
          platformRolloutCreatePermission,
          options,
        );
        const rollout = await this.deps.store.rollouts.get(id);
        if (!rollout) throw new NotFoundError(`No rollout ${id}`);
        // The rest of a resumed rollout runs with the resumer's token.
        const engineToken =
          action === 'resume'
            ? this.deps.tokenHolds.tokenFor(
                this.deps.engines.get(
                  (await this.deps.capabilities.get(rollout.capabilityRef))
                    .engine,
                ),
                options,
              )
            : undefined;
        await this.deps.tokenHolds.holding(
          RolloutRunner.tokenKey(id),
          engineToken,
          options,
          async () => {
            const ok =
              action === 'pause'
                ? await this.deps.store.rollouts.update(
                    id,
                    { status: ['Running'] },
                    {
                      status: 'Paused',
                      message: `Paused by ${principalOf(options.credentials)}`,
                    },
                  )
                : await this.deps.store.rollouts.update(
                    id,
                    { status: ['Paused'] },
                    rollout.currentWave >= rollout.waveCount
                      ? { status: 'Completed', message: 'No waves left' }
                      : {
                          status: 'Running',
                          message: null,
                          nextWaveAt: nowIso(),
                        },
                  );
            if (!ok) {
              throw new ConflictError(
                `Rollout ${id} is ${rollout.status}; only a ${
                  action === 'pause' ? 'running' : 'paused'
                } rollout can be ${action}d`,
              );
            }
          },
        );
        if (action === 'resume') void this.deps.rollouts.tick();
        return (await this.deps.store.rollouts.get(id))!;
      },
    );
  }
}
