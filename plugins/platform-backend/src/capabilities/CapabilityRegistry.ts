import { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  Capability,
  stringifyCapabilityRef,
} from '@trellis/backstage-plugin-platform-common';
import { EngineCapability } from '@trellis/backstage-plugin-platform-node';
import { CapabilityCache } from '../database/CapabilityCache';
import { EngineRegistry } from '../engines/EngineRegistry';

const CAPABILITY_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Keeps the store's copy of every engine's capabilities current. Requests
 * validate against the stored copy, so they are accepted while an engine is
 * down.
 */
export class CapabilityRegistry {
  private cache?: { at: number; byRef: Map<string, Capability> };

  constructor(
    private readonly engines: EngineRegistry,
    private readonly store: CapabilityCache,
    private readonly logger: LoggerService,
    private readonly cacheMs = 2000,
  ) {}

  /** Lists capabilities from one engine (or all) and stores them. */
  async refresh(engineId?: string): Promise<void> {
    const engines = engineId
      ? this.engines.list().filter(e => e.id === engineId)
      : this.engines.list();
    for (const engine of engines) {
      try {
        const listed = await engine.listCapabilities();
        const capabilities = listed
          .filter(c => {
            if (!CAPABILITY_NAME.test(c.name)) {
              this.logger.warn(
                `Engine ${
                  engine.id
                } offers a capability with an invalid name ${JSON.stringify(
                  c.name,
                )}; ignoring it`,
              );
              return false;
            }
            return true;
          })
          .map(c => toCapability(engine.id, c));
        await this.store.replaceEngineCapabilities(engine.id, capabilities);
        this.cache = undefined;
      } catch (error) {
        this.logger.warn(
          `Could not list the capabilities of engine ${engine.id}; keeping the last known ones: ${error}`,
        );
      }
    }
  }

  async list(): Promise<Capability[]> {
    return [...(await this.byRef()).values()];
  }

  async get(ref: string): Promise<Capability> {
    const capability = (await this.byRef()).get(ref);
    if (!capability) {
      throw new NotFoundError(`No capability ${ref}`);
    }
    return capability;
  }

  private async byRef(): Promise<Map<string, Capability>> {
    if (!this.cache || Date.now() - this.cache.at > this.cacheMs) {
      const all = (await this.store.listCapabilities()).map(c =>
        this.withUserAuth(c),
      );
      this.cache = { at: Date.now(), byRef: new Map(all.map(c => [c.ref, c])) };
    }
    return this.cache.byRef;
  }

  /**
   * What the engine's configuration says now about acting as the user; not
   * part of the stored copy, which would keep an old setting after a change.
   */
  private withUserAuth(capability: Capability): Capability {
    const { userAuth: _stored, ...rest } = capability;
    const userAuth = this.engines.find(capability.engine)?.userAuth;
    return userAuth ? { ...rest, userAuth: { ...userAuth } } : rest;
  }
}

function toCapability(engineId: string, c: EngineCapability): Capability {
  const versions = c.versions?.length ? [...c.versions] : [c.version];
  if (!versions.includes(c.version)) versions.push(c.version);
  return {
    ref: stringifyCapabilityRef(engineId, c.name),
    engine: engineId,
    name: c.name,
    title: c.title,
    description: c.description,
    version: c.version,
    versions,
    instanceApiVersion: c.instanceApiVersion,
    instanceKind: c.instanceKind,
    inputSchema: c.inputSchema,
    available: c.available,
    availabilityMessage: c.availabilityMessage,
    owner: c.owner,
    tags: c.tags ?? [],
    links: c.links ?? [],
    ...(c.requiresApproval ? { requiresApproval: true } : {}),
  };
}
