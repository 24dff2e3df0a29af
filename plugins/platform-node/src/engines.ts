import { createExtensionPoint } from '@backstage/backend-plugin-api';

/**
 * An orchestration engine that the platform delegates work to.
 *
 * @public
 */
export interface PlatformEngine {
  /** Unique id, a DNS label such as `local` or `kubernetes`. */
  readonly id: string;
  /** Human readable name shown in the portal. */
  readonly title: string;
}

/**
 * Lets backend modules add orchestration engines to the platform plugin.
 *
 * @public
 */
export interface PlatformEnginesExtensionPoint {
  addEngine(engine: PlatformEngine): void;
}

/** @public */
export const platformEnginesExtensionPoint =
  createExtensionPoint<PlatformEnginesExtensionPoint>({
    id: 'platform.engines',
  });

const ENGINE_ID = /^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/;

/**
 * Throws a descriptive error when an engine cannot be registered.
 *
 * @public
 */
export function assertValidEngine(
  engine: unknown,
): asserts engine is PlatformEngine {
  if (typeof engine !== 'object' || engine === null) {
    throw new TypeError('A platform engine must be an object');
  }
  const { id, title } = engine as Partial<PlatformEngine>;
  if (typeof id !== 'string' || !ENGINE_ID.test(id)) {
    throw new TypeError(
      `Invalid platform engine id ${JSON.stringify(
        id,
      )}: use 1-32 lower-case letters, digits and dashes, starting with a letter`,
    );
  }
  if (typeof title !== 'string' || title.trim() === '') {
    throw new TypeError(`Platform engine '${id}' must have a title`);
  }
}
