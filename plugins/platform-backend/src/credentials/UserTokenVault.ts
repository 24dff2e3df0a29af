import { InputError } from '@backstage/errors';
import { ENGINE_AUTHORIZATION_HEADER } from '@trellis/backstage-plugin-platform-common';

/** A user's token for an engine, and who handed it over. */
export interface HeldToken {
  token: string;
  /** Entity ref of the user who sent it. */
  actor: string;
  /** Epoch milliseconds after which the token is not used any more. */
  expiresAt: number;
}

export interface UserTokenVaultOptions {
  /** Longest a token is held, whatever its own expiry. Default 1 hour. */
  maxHoldMs?: number;
  /**
   * How long before its `exp` a token counts as expired, so that it does not
   * expire on its way to the target. Default 30 seconds.
   */
  expirySkewMs?: number;
  /** For tests. */
  now?: () => number;
}

/** The `exp` claim of a JWT in epoch milliseconds; undefined for other tokens. */
function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(
      Buffer.from(parts[1], 'base64url').toString('utf8'),
    );
    return typeof payload?.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Holds the tokens of users for engines that act with the user's identity
 * (per-user token passthrough), from the moment a change is accepted until
 * the engine has it. In memory only, by design: a token is a credential of
 * its user and must not outlive its purpose in a database or a backup. The
 * price is that a restart, another replica, or the token's expiry leave the
 * change waiting for fresh credentials (`pending.state: awaiting-credentials`).
 *
 * Keys are resource ids, and `rollout:<id>` for rollouts.
 */
export class UserTokenVault {
  private readonly tokens = new Map<string, HeldToken>();
  private readonly maxHoldMs: number;
  private readonly skewMs: number;
  private readonly now: () => number;

  constructor(options: UserTokenVaultOptions = {}) {
    this.maxHoldMs = options.maxHoldMs ?? 60 * 60_000;
    this.skewMs = options.expirySkewMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The token of a `Trellis-Engine-Authorization: Bearer <token>` header
   * value; undefined without the header; an InputError naming the header
   * when it is malformed or the token has expired.
   */
  parseHeader(value: string | undefined): string | undefined {
    if (value === undefined || value === '') return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
    if (!match) {
      throw new InputError(
        `${ENGINE_AUTHORIZATION_HEADER}: must be 'Bearer <token>'`,
      );
    }
    return this.check(match[1], ENGINE_AUTHORIZATION_HEADER);
  }

  /**
   * `token`, after checking that it has not expired (when it is a JWT);
   * otherwise an InputError naming `where` (the header or input it came in).
   */
  check(token: string, where: string): string {
    if (!token.trim()) {
      throw new InputError(`${where}: must not be empty`);
    }
    const expiry = jwtExpiry(token);
    if (expiry !== undefined && expiry - this.skewMs <= this.now()) {
      throw new InputError(
        `${where}: the token expired at ${new Date(
          expiry,
        ).toISOString()}; sign in again to get a fresh one`,
      );
    }
    return token;
  }

  /**
   * Holds `token` under `key`, replacing what was held. Returns a function
   * that puts the previous token back, for when the change that brought the
   * token is refused after all.
   */
  hold(key: string, token: string, actor: string): () => void {
    this.sweep();
    const previous = this.tokens.get(key);
    const expiry = jwtExpiry(token);
    const held: HeldToken = {
      token,
      actor,
      expiresAt: Math.min(
        this.now() + this.maxHoldMs,
        expiry === undefined ? Infinity : expiry - this.skewMs,
      ),
    };
    this.tokens.set(key, held);
    return () => {
      if (this.tokens.get(key) !== held) return;
      if (previous) this.tokens.set(key, previous);
      else this.tokens.delete(key);
    };
  }

  /** The token held under `key` while it is valid. */
  get(key: string): HeldToken | undefined {
    const held = this.tokens.get(key);
    if (!held) return undefined;
    if (held.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return held;
  }

  /** Forgets `held` unless a newer token replaced it meanwhile. */
  release(key: string, held: HeldToken) {
    if (this.tokens.get(key) === held) this.tokens.delete(key);
  }

  /** How many tokens are held (for tests and metrics). */
  get size(): number {
    this.sweep();
    return this.tokens.size;
  }

  private sweep() {
    const now = this.now();
    for (const [key, held] of this.tokens) {
      if (held.expiresAt <= now) this.tokens.delete(key);
    }
  }
}
