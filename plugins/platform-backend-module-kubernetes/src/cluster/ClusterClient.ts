import {
  createConfiguration,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  ServerConfiguration,
  Watch,
} from '@kubernetes/client-node';
import type { Middleware } from '@kubernetes/client-node';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { JsonObject } from '@trellis/backstage-plugin-platform-common';
import {
  ClusterIdentity,
  RequestTarget,
  ResourceExpiredError,
  toEngineError,
} from './errors';
import { userKubeConfig } from './kubeConfig';
import { KubeObject, ResourceType } from './types';

/** One page-complete list of objects and the resourceVersion to watch from. */
export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
}

/** A raw watch event as the API server sends it. */
export interface RawWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string; reason?: string };
}

export interface WatchRequest {
  resourceVersion: string;
  labelSelector?: string;
  /** The API server ends the watch after this long; the watcher then resumes. */
  timeoutSeconds: number;
}

export interface ClusterClientOptions {
  name: string;
  kubeConfig: KubeConfig;
  /** Per request, watches excluded. Default 30 seconds. */
  requestTimeoutMs?: number;
  /** Objects per list page. Default 500. */
  pageSize?: number;
  /**
   * The user the kubeConfig's token belongs to (an entity ref), for clients
   * acting as a user; errors then name them instead of the engine.
   */
  actor?: string;
}

const MAX_LIST_RESTARTS = 3;

/**
 * The engine's only way to the Kubernetes API: custom objects through the
 * generated client, watches through the client's `Watch`, every failure
 * turned into the error the platform contract expects.
 */
export class ClusterClient {
  readonly name: string;
  readonly server: string;
  /** The user this client acts as; undefined for the engine's own identity. */
  readonly actor?: string;
  private readonly options: ClusterClientOptions;
  private readonly api: CustomObjectsApi;
  /** For patches only: sends them as JSON merge patches. */
  private readonly patchApi: CustomObjectsApi;
  private readonly watcher: Watch;
  private readonly pageSize: number;

  constructor(options: ClusterClientOptions) {
    const { kubeConfig } = options;
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new Error(`Cluster '${options.name}' has no server configured`);
    }
    this.options = options;
    this.name = options.name;
    this.server = cluster.server;
    this.actor = options.actor;
    this.pageSize = options.pageSize ?? 500;
    const timeoutMs = options.requestTimeoutMs ?? 30_000;
    // A request to an unreachable server must fail, not hang the caller.
    const timeout: Middleware = {
      pre: async context => {
        context.setSignal(AbortSignal.timeout(timeoutMs));
        return context;
      },
      post: async response => response,
    };
    // The generated client would send patches as JSON patches (RFC 6902).
    const mergePatch: Middleware = {
      pre: async context => {
        context.setHeaderParam('Content-Type', PatchStrategy.MergePatch);
        return context;
      },
      post: async response => response,
    };
    const createApi = (middleware: Middleware[]) =>
      new CustomObjectsApi(
        createConfiguration({
          baseServer: new ServerConfiguration(cluster.server, {}),
          authMethods: { default: kubeConfig },
          promiseMiddleware: middleware,
        }),
      );
    this.api = createApi([timeout]);
    this.patchApi = createApi([timeout, mergePatch]);
    this.watcher = new Watch(kubeConfig);
  }

  /**
   * A client for the same cluster that sends only `token`, the user's own
   * bearer token: none of this client's credentials are carried over. Made
   * fresh for each call, so nothing is shared between users.
   */
  asUser(token: string, actor: string): ClusterClient {
    return new ClusterClient({
      name: this.name,
      kubeConfig: userKubeConfig(this.options.kubeConfig, token),
      requestTimeoutMs: this.options.requestTimeoutMs,
      pageSize: this.options.pageSize,
      actor,
    });
  }

  private get identity(): ClusterIdentity {
    return { name: this.name, server: this.server, actor: this.actor };
  }

  private async call<T>(target: RequestTarget, fn: () => Promise<T>) {
    try {
      return await fn();
    } catch (error) {
      throw toEngineError(error, this.identity, target);
    }
  }

  /**
   * Lists every object of a type (all namespaces unless one is given),
   * following `continue` tokens, and restarting when a token expires.
   */
  async list(
    type: ResourceType,
    options: { namespace?: string; labelSelector?: string } = {},
  ): Promise<ObjectList> {
    const target: RequestTarget = {
      verb: 'list',
      type,
      namespace: options.namespace,
    };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.listPages(type, options, target);
      } catch (error) {
        if (
          !(error instanceof ResourceExpiredError) ||
          attempt >= MAX_LIST_RESTARTS
        ) {
          throw error;
        }
      }
    }
  }

  private async listPages(
    type: ResourceType,
    options: { namespace?: string; labelSelector?: string },
    target: RequestTarget,
  ): Promise<ObjectList> {
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const request = {
        group: type.group,
        version: type.version,
        plural: type.plural,
        labelSelector: options.labelSelector,
        limit: this.pageSize,
        _continue: continueToken,
      };
      const page = await this.call(target, () =>
        options.namespace
          ? this.api.listNamespacedCustomObject({
              ...request,
              namespace: options.namespace,
            })
          : this.api.listClusterCustomObject(request),
      );
      items.push(...((page?.items ?? []) as KubeObject[]));
      // The first page's resourceVersion is the snapshot the list is consistent at.
      resourceVersion ||= page?.metadata?.resourceVersion ?? '';
      continueToken = page?.metadata?.continue || undefined;
    } while (continueToken);
    return { items, resourceVersion };
  }

  /** The object, or undefined when it (or its type) does not exist. */
  async get(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined> {
    const target: RequestTarget = { verb: 'get', type, namespace, name };
    try {
      return await this.call(target, () =>
        type.namespaced
          ? this.api.getNamespacedCustomObject({
              ...this.path(type),
              namespace: namespace!,
              name,
            })
          : this.api.getClusterCustomObject({ ...this.path(type), name }),
      );
    } catch (error) {
      if (error instanceof NotFoundError) {
        return undefined;
      }
      throw error;
    }
  }

  /** Creates the object; undefined when an object of that name exists already. */
  async create(
    type: ResourceType,
    object: KubeObject,
  ): Promise<KubeObject | undefined> {
    const { namespace, name } = object.metadata;
    const target: RequestTarget = { verb: 'create', type, namespace, name };
    try {
      return await this.call(target, () =>
        type.namespaced
          ? this.api.createNamespacedCustomObject({
              ...this.path(type),
              namespace: namespace!,
              body: object,
            })
          : this.api.createClusterCustomObject({
              ...this.path(type),
              body: object,
            }),
      );
    } catch (error) {
      if (error instanceof ConflictError) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Applies a JSON merge patch (RFC 7386). Put `metadata.resourceVersion` in
   * the patch to make it conditional: the API server then answers 409 (a
   * ConflictError) when the object changed in between.
   */
  async mergePatch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: JsonObject,
  ): Promise<KubeObject> {
    const target: RequestTarget = { verb: 'patch', type, namespace, name };
    return this.call(target, () =>
      type.namespaced
        ? this.patchApi.patchNamespacedCustomObject({
            ...this.path(type),
            namespace: namespace!,
            name,
            body: patch,
          })
        : this.patchApi.patchClusterCustomObject({
            ...this.path(type),
            name,
            body: patch,
          }),
    );
  }

  /**
   * Deletes the object; false when it was already gone. With `uid`, deletes
   * only that incarnation of the name (a ConflictError otherwise).
   */
  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: { uid?: string } = {},
  ): Promise<boolean> {
    const target: RequestTarget = { verb: 'delete', type, namespace, name };
    const body = {
      propagationPolicy: 'Background',
      preconditions: options.uid ? { uid: options.uid } : undefined,
    };
    try {
      await this.call(target, () =>
        type.namespaced
          ? this.api.deleteNamespacedCustomObject({
              ...this.path(type),
              namespace: namespace!,
              name,
              body,
            })
          : this.api.deleteClusterCustomObject({
              ...this.path(type),
              name,
              body,
            }),
      );
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) {
        return false;
      }
      throw error;
    }
  }

  /**
   * Opens a watch of every object of a type from a resourceVersion, with
   * bookmarks. `onDone` gets undefined when the server ended the watch
   * normally, and otherwise the error as `toEngineError` maps it
   * (ResourceExpiredError for 410 Gone). Returns the abort handle.
   */
  async watch(
    type: ResourceType,
    request: WatchRequest,
    onEvent: (event: RawWatchEvent) => void,
    onDone: (error?: Error) => void,
  ): Promise<AbortController> {
    const target: RequestTarget = { verb: 'watch', type };
    return this.watcher.watch(
      `/apis/${type.group}/${type.version}/${type.plural}`,
      {
        resourceVersion: request.resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: request.labelSelector,
        timeoutSeconds: request.timeoutSeconds,
      },
      (phase, object) =>
        onEvent({ type: phase as RawWatchEvent['type'], object }),
      error =>
        onDone(error ? toEngineError(error, this.identity, target) : undefined),
    );
  }

  private path(type: ResourceType) {
    return { group: type.group, version: type.version, plural: type.plural };
  }
}
