import { ServiceUnavailableError } from '@backstage/errors';
import {
  assertValidEngine,
  PlatformEngine,
} from '@trellis/backstage-plugin-platform-node';

/** Holds the engines registered through the extension point. */
export class EngineRegistry {
  private readonly engines = new Map<string, PlatformEngine>();
  private locked = false;

  add(engine: PlatformEngine) {
    if (this.locked) {
      throw new Error(
        'Platform engines must be registered before the platform plugin starts',
      );
    }
    assertValidEngine(engine);
    if (this.engines.has(engine.id)) {
      throw new Error(
        `A platform engine with id '${engine.id}' is already registered`,
      );
    }
    this.engines.set(engine.id, engine);
  }

  lock() {
    this.locked = true;
  }

  list(): PlatformEngine[] {
    return [...this.engines.values()];
  }

  find(id: string): PlatformEngine | undefined {
    return this.engines.get(id);
  }

  /** The engine, or ServiceUnavailableError when it is not installed. */
  get(id: string): PlatformEngine {
    const engine = this.engines.get(id);
    if (!engine) {
      throw new ServiceUnavailableError(
        `Engine '${id}' is not installed in this backend`,
      );
    }
    return engine;
  }
}
