import { ConflictError, InputError } from '@backstage/errors';
import {
  CreateRolloutRequest,
  PRODUCTION_ENVIRONMENT,
  Rollout,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformCallOptions } from '@trellis/backstage-plugin-platform-node';
import { randomUUID } from 'node:crypto';
import { CapabilityRegistry } from '../capabilities/CapabilityRegistry';
import { PlatformStores } from '../database/PlatformStores';
import { EngineRegistry } from '../engines/EngineRegistry';
import { EngineTokenHolds } from '../service/EngineTokenHolds';
import { principalOf } from '../service/principal';
import {
  checkRolloutRequest,
  requestedCapability,
} from '../validation/requestValidation';
import { RolloutRunner } from './RolloutRunner';

/**
 * Turns a rollout request into a stored rollout: checks it, then puts every
 * instance that is not at the target version into a wave, production last.
 * The {@link RolloutRunner} runs the waves.
 */
export class RolloutPlanner {
  constructor(
    private readonly deps: {
      store: PlatformStores;
      capabilities: CapabilityRegistry;
      engines: EngineRegistry;
      tokenHolds: EngineTokenHolds;
    },
  ) {}

  async plan(
    request: CreateRolloutRequest,
    options: PlatformCallOptions,
  ): Promise<Rollout> {
    const { waveSize, pauseSeconds } = checkRolloutRequest(request);
    const capability = await requestedCapability(
      this.deps.capabilities,
      request.capabilityRef,
    );
    if (!capability.versions.includes(request.targetVersion)) {
      throw new InputError(
        `targetVersion: ${capability.ref} has no version ${
          request.targetVersion
        } (known: ${capability.versions.join(', ')})`,
      );
    }
    const engine = this.deps.engines.get(capability.engine);
    if (!engine.upgrade) {
      throw new InputError(
        `capabilityRef: engine ${engine.id} cannot upgrade instances, so ${capability.ref} cannot be rolled out`,
      );
    }
    const engineToken = this.deps.tokenHolds.tokenFor(engine, options);
    const running = await this.deps.store.rollouts.list({
      capabilityRef: capability.ref,
      status: ['Running', 'Paused'],
    });
    if (running.length) {
      throw new ConflictError(
        `Rollout ${running[0].id} of ${
          capability.ref
        } is still ${running[0].status.toLocaleLowerCase(
          'en-US',
        )}; finish or cancel it first`,
      );
    }
    const resources = (
      await this.deps.store.resources.listOfCapability(
        capability.ref,
        request.environments,
      )
    ).filter(r => r.appliedVersion !== request.targetVersion);
    // Production last: earlier waves prove the version elsewhere first.
    resources.sort((a, b) => {
      const ap = a.environment === PRODUCTION_ENVIRONMENT ? 1 : 0;
      const bp = b.environment === PRODUCTION_ENVIRONMENT ? 1 : 0;
      return (
        ap - bp ||
        a.environment.localeCompare(b.environment) ||
        a.name.localeCompare(b.name)
      );
    });
    const id = randomUUID();
    return this.deps.tokenHolds.holding(
      RolloutRunner.tokenKey(id),
      engineToken,
      options,
      () =>
        this.deps.store.rollouts.create({
          id,
          capabilityRef: capability.ref,
          targetVersion: request.targetVersion,
          waveSize,
          pauseSeconds,
          createdBy: principalOf(options.credentials),
          items: resources.map((r, index) => ({
            resourceId: r.id,
            wave: Math.floor(index / waveSize),
            fromVersion: r.appliedVersion,
          })),
        }),
    );
  }
}
