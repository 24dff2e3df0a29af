import {
  BackstageCredentials,
  PermissionsService,
  PermissionsServiceRequestOptions,
} from '@backstage/backend-plugin-api';
import {
  AuthorizePermissionRequest,
  AuthorizePermissionResponse,
  QueryPermissionRequest,
  QueryPermissionResponse,
} from '@backstage/plugin-permission-common';

/** Upper bound on cached decisions; the oldest go first. */
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  until: number;
  decision: Promise<T>;
}

/**
 * The permission service, with the policy's decisions for a signed-in user
 * kept for a few seconds, the way the Kubernetes API server caches its
 * webhook authorizer's answers.
 *
 * Asking the permission backend about a user costs a round trip: a plugin
 * token signed for the call, an HTTP request, two token verifications and a
 * user-info request on the other side. That was 4–5 ms of CPU on the
 * project's machine, more than a whole create once the database stopped
 * waiting for fsync, for a decision that is the same for every request the
 * user makes with that token (docs/benchmarks.md).
 *
 * Only decisions that do not name a resource are kept (a conditional
 * decision is still evaluated against each resource, as before), only for
 * user principals, and per token identity: the principal (user, and the
 * service acting for them) and the token's expiry, which differs when the
 * user signs in again (new ownership claims). Concurrent identical questions
 * share one round trip. A failed call is not kept. Decisions of a policy that
 * looks at something other than the token (the catalog, the time) take up to
 * `ttlMs` to change; `ttlMs` 0 turns the cache off.
 */
export class PermissionDecisionCache implements PermissionsService {
  private readonly entries = new Map<string, Entry<unknown>>();

  constructor(
    private readonly permissions: PermissionsService,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  authorize(
    requests: AuthorizePermissionRequest[],
    options: PermissionsServiceRequestOptions,
  ): Promise<AuthorizePermissionResponse[]> {
    return this.cached('authorize', requests, options, () =>
      this.permissions.authorize(requests, options),
    );
  }

  authorizeConditional(
    requests: QueryPermissionRequest[],
    options: PermissionsServiceRequestOptions,
  ): Promise<QueryPermissionResponse[]> {
    return this.cached('conditional', requests, options, () =>
      this.permissions.authorizeConditional(requests, options),
    );
  }

  private cached<T>(
    kind: string,
    requests: Array<AuthorizePermissionRequest | QueryPermissionRequest>,
    options: PermissionsServiceRequestOptions,
    ask: () => Promise<T>,
  ): Promise<T> {
    const key = this.keyOf(kind, requests, options.credentials);
    if (key === undefined) return ask();
    const now = this.now();
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit && hit.until > now) return hit.decision;
    if (hit) this.entries.delete(key);

    const decision = ask();
    const entry: Entry<T> = { until: now + this.ttlMs, decision };
    this.entries.set(key, entry);
    decision.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    if (this.entries.size > MAX_ENTRIES) {
      for (const oldest of this.entries.keys()) {
        this.entries.delete(oldest);
        if (this.entries.size <= MAX_ENTRIES) break;
      }
    }
    return decision;
  }

  /** Undefined for what is not kept. */
  private keyOf(
    kind: string,
    requests: Array<AuthorizePermissionRequest | QueryPermissionRequest>,
    credentials: BackstageCredentials,
  ): string | undefined {
    if (this.ttlMs <= 0) return undefined;
    const principal = credentials.principal as { type?: string };
    if (principal.type !== 'user') return undefined;
    if (requests.some(r => 'resourceRef' in r && r.resourceRef !== undefined)) {
      return undefined;
    }
    return JSON.stringify([
      kind,
      principal,
      // A Date in-process; an ISO string in credentials that travelled as
      // JSON (a scaffolder task's initiator credentials).
      credentials.expiresAt ? new Date(credentials.expiresAt).getTime() : null,
      requests.map(r => r.permission.name),
    ]);
  }
}
