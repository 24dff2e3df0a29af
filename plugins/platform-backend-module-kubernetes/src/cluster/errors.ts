import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { qualifiedResource, ResourceType } from './types';

/** The API verbs the engine uses, named as RBAC names them. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'patch' | 'delete';

/** What a request tried to do, so that errors can say it. */
export interface RequestTarget {
  verb: Verb;
  type: ResourceType;
  namespace?: string;
  name?: string;
}

/** The cluster a request went to, and who made it. */
export interface ClusterIdentity {
  name: string;
  server: string;
  /**
   * The user whose own token the request carried (per-user token
   * passthrough); undefined for the engine's own identity.
   */
  actor?: string;
}

/** A Kubernetes `Status` object, as the API server sends with errors. */
interface KubeStatus {
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string };
}

/**
 * The API server no longer has the resourceVersion a watch or paginated list
 * continued from (410 Gone / Expired); the caller must list again.
 */
export class ResourceExpiredError extends Error {
  readonly name = 'ResourceExpiredError';
}

/** The HTTP status of a failed API request, when there was a response. */
function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  // ApiException (generated client) has a numeric `code`; Watch errors a `statusCode`.
  const { code, statusCode } = error as {
    code?: unknown;
    statusCode?: unknown;
  };
  if (typeof code === 'number') {
    return code;
  }
  return typeof statusCode === 'number' ? statusCode : undefined;
}

function statusBodyOf(error: unknown): KubeStatus | undefined {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
    } catch {
      return { message: body };
    }
  }
  return typeof body === 'object' && body !== null
    ? (body as KubeStatus)
    : undefined;
}

function describeTarget(target: RequestTarget): string {
  const resource = qualifiedResource(target.type);
  if (target.name) {
    return `${target.type.kind} ${
      target.namespace ? `${target.namespace}/` : ''
    }${target.name}`;
  }
  return target.namespace
    ? `${resource} in namespace ${target.namespace}`
    : resource;
}

function scopeOf(target: RequestTarget): string {
  return target.namespace
    ? `in namespace '${target.namespace}'`
    : 'at the cluster scope';
}

/**
 * Turns a failed request into the error the platform contract expects, with
 * a message that tells an operator what to fix.
 */
export function toEngineError(
  error: unknown,
  cluster: ClusterIdentity,
  target: RequestTarget,
): Error {
  // The messages carry what the server said; the client's own errors (with
  // response headers and bodies in their messages) are not passed on as causes.
  const status = httpStatusOf(error);
  if (status === undefined) {
    // Network errors: ECONNREFUSED, ENOTFOUND, certificate problems, timeouts.
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === 'string' ? `${code}: ` : '';
    const detail = error instanceof Error ? error.message : String(error);
    return new ServiceUnavailableError(
      `Cluster '${cluster.name}' at ${cluster.server} is unreachable: ${reason}${detail}`,
    );
  }

  const body = statusBodyOf(error);
  const said = body?.message ? `: ${body.message}` : '';
  const what = describeTarget(target);
  const resource = qualifiedResource(target.type);

  if (cluster.actor !== undefined && (status === 401 || status === 403)) {
    return toUserError(status, cluster, cluster.actor, target, what, said);
  }

  switch (status) {
    case 401:
      return new NotAllowedError(
        `Cluster '${cluster.name}' rejected the engine's credentials (401 Unauthorized) when it tried to ${target.verb} ${what}; check the token or kubeconfig configured for the cluster`,
      );
    case 403:
      return new NotAllowedError(
        `Cluster '${cluster.name}' does not allow the engine to ${
          target.verb
        } ${what}: its service account needs the '${target.verb}' verb on '${
          target.type.plural
        }' in API group '${target.type.group}' ${scopeOf(
          target,
        )} (see the ClusterRole in docs/engines/kubernetes.md)${said}`,
      );
    case 404:
      if (body?.details?.kind === 'namespaces') {
        return new NotFoundError(
          `Namespace '${target.namespace}' does not exist on cluster '${cluster.name}'; create it, or map the environment to an existing namespace (platform.engines.kubernetes.clusters[].namespaces)`,
        );
      }
      return new NotFoundError(
        target.name && target.verb !== 'create'
          ? `${what} does not exist on cluster '${cluster.name}'`
          : `Cluster '${cluster.name}' does not serve ${resource}/${target.type.version}; its CustomResourceDefinition is not installed or was removed`,
      );
    case 409:
      return new ConflictError(
        `Cluster '${cluster.name}' refused to ${target.verb} ${what}${said}`,
      );
    case 410:
      return new ResourceExpiredError(
        `Cluster '${cluster.name}' expired the resource version of ${resource}${said}`,
      );
    case 400:
    case 422:
      return new InputError(
        `The API server of cluster '${cluster.name}' rejected ${what}${said}`,
      );
    default:
      return new ServiceUnavailableError(
        `Cluster '${cluster.name}' answered ${status} when the engine tried to ${target.verb} ${what}${said}`,
      );
  }
}

/** 401 and 403 of a request made with a user's own token. */
function toUserError(
  status: 401 | 403,
  cluster: ClusterIdentity,
  actor: string,
  target: RequestTarget,
  what: string,
  said: string,
): Error {
  if (status === 401) {
    return new AuthenticationError(
      `Cluster '${cluster.name}' rejected the token of ${actor} (401 Unauthorized) when it tried to ${target.verb} ${what}: the token has expired or was issued by a provider the cluster does not trust; sign in again to the portal and retry`,
    );
  }
  return new NotAllowedError(
    `Cluster '${cluster.name}' does not allow ${actor} to ${
      target.verb
    } ${what}: they need the '${target.verb}' verb on '${
      target.type.plural
    }' in API group '${target.type.group}' ${scopeOf(
      target,
    )}, granted to them or one of their groups by a Role or ClusterRole binding on the cluster${said}`,
  );
}
