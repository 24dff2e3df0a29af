import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotFoundError,
} from '@backstage/errors';
import {
  dnsLabelProblem,
  EngineObjectRef,
  JsonObject,
  UserAuthRequirement,
} from '@trellis/backstage-plugin-platform-common';
import {
  DesiredResource,
  EngineCallContext,
  EngineCapability,
  EngineChange,
  EngineResourceRef,
  ObservedState,
  PlatformEngine,
} from '@trellis/backstage-plugin-platform-node';
import { DefinitionCache } from './capabilities/DefinitionCache';
import { CapabilityAdapter } from './capabilities/types';
import { ClusterClient } from './cluster/ClusterClient';
import { createKubeConfig } from './cluster/kubeConfig';
import { apiVersionOf } from './cluster/types';
import { KubernetesClusterConfig } from './config';
import { CrossplaneAdapter } from './crossplane/CrossplaneAdapter';
import { InstanceMapper } from './instances/InstanceMapper';
import { InstanceReader } from './instances/InstanceReader';
import { KratixAdapter } from './kratix/KratixAdapter';
import {
  isNoOpPatch,
  parseJsonObject,
  threeWayMergePatch,
} from './objects/mergePatch';
import {
  assertManagedBy,
  lastAppliedSpecOf,
  trellisMetadata,
  withoutNulls,
} from './objects/metadata';
import { BackoffOptions, DEFAULT_BACKOFF } from './watch/backoff';
import { InstanceWatchSet } from './watch/InstanceWatchSet';

export interface KubernetesEngineOptions {
  cluster: Pick<KubernetesClusterConfig, 'name' | 'title' | 'namespaces'> &
    Partial<
      Pick<
        KubernetesClusterConfig,
        'kratix' | 'crossplane' | 'owner' | 'userAuth'
      >
    >;
  client: ClusterClient;
  logger: LoggerService;
  /** Reconnect backoff of the watches. */
  backoff?: BackoffOptions;
  /** Bounds of the server-side timeout of each watch request. */
  watchTimeoutSeconds?: { min: number; max: number };
}

/** Attempts of apply's read-modify-write before giving up on a busy object. */
const MAX_APPLY_ATTEMPTS = 5;

/**
 * The platform engine of one Kubernetes cluster, offering the cluster's
 * Kratix Promises and Crossplane XRDs as capabilities.
 *
 * Reads are cheap on the API server: while someone watches, the engine keeps
 * one watch per resource type (definitions, and the instances it created,
 * selected by the resource-id label, see `objects/metadata.ts`) and serves capabilities
 * from memory; `observeAll` is one list per type. Nothing is requested per
 * resource except `observe`, `apply`, `delete` and `upgrade` of that resource.
 *
 * With `userAuth` (per-user token passthrough), every request of `apply`,
 * `delete`, `upgrade` and `reconcileAll` that reads or changes the instance
 * and what belongs to it carries the requesting user's token instead, so the
 * cluster's RBAC decides what each user may change; listing capabilities,
 * `observe`, `observeAll` and the watches stay with the engine's identity.
 */
export class KubernetesEngine implements PlatformEngine {
  readonly id: string;
  readonly title: string;
  readonly userAuth?: UserAuthRequirement;

  private readonly client: ClusterClient;
  private readonly logger: LoggerService;
  private readonly namespaces: Record<string, string>;
  private readonly definitions: DefinitionCache;
  private readonly instances: InstanceWatchSet;
  private readonly mapper: InstanceMapper;
  private readonly reader: InstanceReader;
  private readonly listeners = new Set<(change: EngineChange) => void>();
  private watching = false;

  static fromConfig(
    cluster: KubernetesClusterConfig,
    logger: LoggerService,
  ): KubernetesEngine {
    const client = new ClusterClient({
      name: cluster.name,
      kubeConfig: createKubeConfig(cluster.name, cluster.connection),
    });
    return new KubernetesEngine({ cluster, client, logger });
  }

  constructor(options: KubernetesEngineOptions) {
    const { cluster, client, logger } = options;
    this.id = cluster.name;
    this.title = cluster.title;
    if (cluster.userAuth) {
      this.userAuth = { provider: cluster.userAuth.provider };
    }
    this.client = client;
    this.logger = logger;
    this.namespaces = cluster.namespaces;
    const adapterOptions = { client, logger, defaultOwner: cluster.owner };
    const adapters: CapabilityAdapter[] = [];
    if (cluster.kratix ?? true) {
      adapters.push(new KratixAdapter(adapterOptions));
    }
    if (cluster.crossplane ?? true) {
      adapters.push(new CrossplaneAdapter(adapterOptions));
    }
    const watch = {
      client,
      logger,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
    };
    this.mapper = new InstanceMapper(this.id, logger);
    this.definitions = new DefinitionCache({
      cluster: this.id,
      adapters,
      logger,
      watch,
      onInstanceTypesChanged: () => this.instances.sync(),
      onCapabilitiesChanged: () => this.emit({ type: 'capabilities' }),
    });
    this.instances = new InstanceWatchSet({
      watch,
      definitions: this.definitions,
      mapper: this.mapper,
      emit: change => this.emit(change),
    });
    this.reader = new InstanceReader(client, this.definitions, this.mapper);
  }

  async listCapabilities(): Promise<EngineCapability[]> {
    return this.definitions.capabilities();
  }

  async apply(
    desired: DesiredResource,
    context?: EngineCallContext,
  ): Promise<{ engineRef: EngineObjectRef }> {
    const client = this.clientFor(context);
    const entry = await this.definitions.entryFor(desired.capability);
    const type = entry.definition.instanceType;
    const namespace = this.namespaceFor(desired.environment);
    const { labels, annotations } = trellisMetadata(desired);
    const engineRef = this.mapper.engineRefOf(type, namespace, desired.name);

    for (let attempt = 0; attempt < MAX_APPLY_ATTEMPTS; attempt++) {
      const current = await client.get(type, namespace, desired.name);
      if (!current) {
        const created = await client.create(type, {
          apiVersion: apiVersionOf(type),
          kind: type.kind,
          metadata: {
            name: desired.name,
            namespace,
            labels: withoutNulls(labels),
            annotations: withoutNulls(annotations),
          },
          spec: desired.spec,
        });
        if (created) {
          return { engineRef };
        }
        continue; // Created in between by someone else: update it instead.
      }
      assertManagedBy(current, desired.resourceId, 'apply', this.id);
      if (current.metadata.deletionTimestamp) {
        throw new ConflictError(
          `${type.kind} ${namespace}/${desired.name} on cluster '${this.id}' is still being deleted; apply again once it is gone`,
        );
      }
      const lastApplied = parseJsonObject(
        lastAppliedSpecOf(current, this.mapper.legacyKeys(current)),
      );
      const patch: JsonObject = {
        metadata: { labels, annotations },
        spec: threeWayMergePatch(lastApplied, desired.spec),
      };
      if (isNoOpPatch(current, patch)) {
        return { engineRef };
      }
      // Conditional on the version read, so that a concurrent writer is not overwritten.
      (patch.metadata as JsonObject).resourceVersion =
        current.metadata.resourceVersion ?? null;
      try {
        await client.mergePatch(type, namespace, desired.name, patch);
        return { engineRef };
      } catch (error) {
        if (!(error instanceof ConflictError)) {
          throw error;
        }
      }
    }
    throw new ConflictError(
      `${type.kind} ${namespace}/${desired.name} on cluster '${this.id}' kept changing while the engine applied it; try again`,
    );
  }

  async delete(
    resource: EngineResourceRef,
    context?: EngineCallContext,
  ): Promise<void> {
    const client = this.clientFor(context);
    const found = await this.reader.locate(resource, client);
    if (!found) {
      // Already gone: say so, as for any other completed delete (after this call returned).
      setImmediate(() =>
        this.emit({ type: 'deleted', resource: { ...resource } }),
      );
      return;
    }
    const { entry, object } = found;
    if (object.metadata.deletionTimestamp) {
      return;
    }
    const type = entry.definition.instanceType;
    const { namespace, name, uid } = object.metadata;
    const deleted = await client.delete(type, namespace, name, { uid });
    if (!deleted) {
      setImmediate(() =>
        this.emit({
          type: 'deleted',
          resource: {
            resourceId: resource.resourceId,
            engineRef: this.mapper.engineRefOf(type, namespace, name),
          },
        }),
      );
    }
  }

  async observe(
    resource: EngineResourceRef,
  ): Promise<ObservedState | undefined> {
    const found = await this.reader.locate(resource);
    return found && this.reader.observe(found);
  }

  async observeAll(): Promise<ObservedState[]> {
    const entries = await this.definitions.refreshedInstanceEntries();
    const states = await Promise.all(
      entries.map(entry => this.reader.observeType(entry)),
    );
    return states.flat();
  }

  async upgrade(
    resource: EngineResourceRef,
    toVersion: string,
    context?: EngineCallContext,
  ): Promise<void> {
    const client = this.clientFor(context);
    const found = await this.reader.locate(resource, client);
    if (!found) {
      throw new NotFoundError(
        `Resource ${resource.resourceId} does not exist on cluster '${this.id}'`,
      );
    }
    await found.entry.adapter.upgrade(
      found.entry.definition,
      found.object,
      toVersion,
      client,
    );
  }

  /**
   * Re-runs the workflows of every instance of a capability, where its
   * orchestrator has any (Kratix's configure workflows). The platform
   * calls it for `POST /capabilities/{ref}/reconcile`.
   */
  async reconcileAll(
    capability: string,
    context?: EngineCallContext,
  ): Promise<void> {
    const client = this.clientFor(context);
    const { adapter, definition } = await this.definitions.entryFor(capability);
    await adapter.reconcileAll(definition, client);
  }

  watch(listener: (change: EngineChange) => void): () => void {
    this.listeners.add(listener);
    if (!this.watching) {
      this.watching = true;
      this.definitions.startWatching();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.stopWatching();
      }
    };
  }

  /**
   * Lists every watched type again and reports what the watches missed;
   * the module runs it every `resyncSeconds`. A no-op while nobody watches.
   */
  async resync(): Promise<void> {
    if (!this.watching) {
      return;
    }
    this.instances.resync();
    await this.definitions.resync();
  }

  /** Stops every watch; for backend shutdown. */
  close() {
    this.listeners.clear();
    this.stopWatching();
  }

  private stopWatching() {
    this.watching = false;
    this.definitions.stopWatching();
    this.instances.stop();
  }

  private emit(change: EngineChange) {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error(
          `A listener of engine '${this.id}' failed on a ${change.type} change`,
          error as Error,
        );
      }
    }
  }

  /**
   * The client a change is made with: the engine's own, or, with `userAuth`,
   * a fresh one carrying only the requesting user's token.
   */
  private clientFor(context: EngineCallContext | undefined): ClusterClient {
    if (!this.userAuth) {
      return this.client;
    }
    if (!context?.userToken) {
      throw new AuthenticationError(
        `Cluster '${
          this.id
        }' changes objects with the requesting user's identity; no token was passed${
          context?.actor ? ` for ${context.actor}` : ''
        }. Sign in to the portal with ${
          this.userAuth.provider
        } and retry with your credentials`,
      );
    }
    return this.client.asUser(context.userToken, context.actor);
  }

  private namespaceFor(environment: string): string {
    const namespace = this.namespaces[environment] ?? environment;
    const problem = dnsLabelProblem(namespace);
    if (problem) {
      throw new InputError(
        `Environment '${environment}' maps to namespace '${namespace}' on cluster '${this.id}', which ${problem}`,
      );
    }
    return namespace;
  }
}
