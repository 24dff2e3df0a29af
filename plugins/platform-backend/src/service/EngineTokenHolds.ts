import { InputError } from '@backstage/errors';
import { ENGINE_AUTHORIZATION_HEADER } from '@trellis/backstage-plugin-platform-common';
import {
  PlatformCallOptions,
  PlatformEngine,
} from '@trellis/backstage-plugin-platform-node';
import { UserTokenVault } from '../credentials/UserTokenVault';
import { principalOf } from './principal';

/**
 * The caller's engine token for engines that make changes with the user's
 * own identity: checked when a request arrives, then held in the vault for
 * the dispatcher or the rollout runner while a change is written.
 */
export class EngineTokenHolds {
  constructor(private readonly tokens: UserTokenVault) {}

  /**
   * The caller's token when `engine` makes changes with the user's own
   * identity, checked; an InputError naming the header when it is missing.
   * Undefined for other engines, which never see a user's token.
   */
  tokenFor(
    engine: PlatformEngine,
    options: PlatformCallOptions,
  ): string | undefined {
    if (!engine.userAuth) return undefined;
    if (!options.engineToken) {
      throw new InputError(
        `${ENGINE_AUTHORIZATION_HEADER}: ${engine.title} makes changes with your own identity; send your ${engine.userAuth.provider} ID token as 'Bearer <token>'`,
      );
    }
    return this.tokens.check(options.engineToken, ENGINE_AUTHORIZATION_HEADER);
  }

  /**
   * Runs `write` with `token` (from {@link tokenFor}) held under `key`, so
   * that no dispatch or rollout pass finds the change without it; when the
   * write fails, the previous hold is put back and the error rethrown.
   * Without a token it only runs `write`.
   */
  async holding<T>(
    key: string,
    token: string | undefined,
    options: PlatformCallOptions,
    write: () => Promise<T>,
  ): Promise<T> {
    const undoHold = token
      ? this.tokens.hold(key, token, principalOf(options.credentials))
      : () => {};
    try {
      return await write();
    } catch (error) {
      undoHold();
      throw error;
    }
  }
}
