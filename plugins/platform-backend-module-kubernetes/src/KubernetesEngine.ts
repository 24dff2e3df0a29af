import { isDeepStrictEqual } from 'node:util';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotFoundError,
} from '@backstage/errors';
import {
  createLegacyAnnotationWarner,
  dnsLabelProblem,
  EngineObjectRef,
  JsonObject,
  JsonValue,
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
import { CapabilityAdapter, CapabilityDefinition } from './capabilities/types';
import { ClusterClient } from './cluster/ClusterClient';
import { createKubeConfig } from './cluster/kubeConfig';
import {
  apiVersionOf,
  KubeObject,
  qualifiedResource,
  ResourceType,
  resourceTypeKey,
} from './cluster/types';
import { KubernetesClusterConfig } from './config';
import {
  CROSSPLANE_LABELS,
  CrossplaneAdapter,
} from './crossplane/CrossplaneAdapter';
import { KratixAdapter } from './kratix/KratixAdapter';
import {
  applyMergePatch,
  parseJsonObject,
  threeWayMergePatch,
} from './objects/mergePatch';
import {
  appliedGenerationOf,
  lastAppliedSpecOf,
  MANAGED_SELECTOR,
  resourceIdOf,
  resourceSelector,
  trellisMetadata,
} from './objects/metadata';
import { BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './watch/backoff';
import { ObjectEvent, ResourceWatcher } from './watch/ResourceWatcher';

/** A capability's definition with the adapter that understands it. */
interface Entry {
  definition: CapabilityDefinition;
  adapter: CapabilityAdapter;
}

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
  private readonly adapters: CapabilityAdapter[] = [];
  private readonly kratix?: KratixAdapter;
  private readonly backoff: BackoffOptions;
  private readonly watchTimeoutSeconds?: { min: number; max: number };

  /** Capabilities by name, from the latest listing. */
  private definitions?: Map<string, Entry>;
  /** Warns once per object kind that carries old (`trellis.io`) keys, not per object per poll. */
  private readonly legacyWarner: ReturnType<
    typeof createLegacyAnnotationWarner
  >;
  private refreshesStarted = 0;
  private refreshesApplied = 0;
  /**
   * Instance types by key, including those of capabilities that disappeared,
   * whose watches keep running until the type itself is gone, so that the
   * deletion of their instances is still reported.
   */
  private readonly instanceEntries = new Map<string, Entry>();
  /** Instance types whose CRD the cluster does not serve (seen by their watch). */
  private readonly unservedTypes = new Set<string>();

  private readonly listeners = new Set<(change: EngineChange) => void>();
  private readonly watchers = new Map<string, ResourceWatcher>();
  private readonly lastEmitted = new Map<string, string>();
  private lastCapabilities?: string;
  private watching = false;
  /** Counts watch() starts, so that a stale start stops retrying. */
  private watchSessions = 0;
  private refreshScheduled = false;

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
    this.legacyWarner = createLegacyAnnotationWarner(message =>
      logger.warn(message),
    );
    this.namespaces = cluster.namespaces;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds;
    const adapterOptions = { client, logger, defaultOwner: cluster.owner };
    if (cluster.kratix ?? true) {
      this.kratix = new KratixAdapter(adapterOptions);
      this.adapters.push(this.kratix);
    }
    if (cluster.crossplane ?? true) {
      this.adapters.push(new CrossplaneAdapter(adapterOptions));
    }
  }

  async listCapabilities(): Promise<EngineCapability[]> {
    // While watching, definition changes refresh the list as they happen.
    const definitions =
      this.watching && this.definitions
        ? this.definitions
        : await this.refreshDefinitions();
    return this.capabilitiesOf(definitions);
  }

  async apply(
    desired: DesiredResource,
    context?: EngineCallContext,
  ): Promise<{ engineRef: EngineObjectRef }> {
    const client = this.clientFor(context);
    const entry = await this.entryFor(desired.capability);
    const type = entry.definition.instanceType;
    const namespace = this.namespaceFor(desired.environment);
    const { labels, annotations } = trellisMetadata(desired);
    const engineRef = this.engineRefOf(type, namespace, desired.name);

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
      this.assertManagedBy(current, desired.resourceId, 'apply');
      if (current.metadata.deletionTimestamp) {
        throw new ConflictError(
          `${type.kind} ${namespace}/${desired.name} on cluster '${this.id}' is still being deleted; apply again once it is gone`,
        );
      }
      const lastApplied = parseJsonObject(
        lastAppliedSpecOf(current, this.legacyKeys(current)),
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
    const found = await this.locate(resource, client);
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
            engineRef: this.engineRefOf(type, namespace, name),
          },
        }),
      );
    }
  }

  async observe(
    resource: EngineResourceRef,
  ): Promise<ObservedState | undefined> {
    const found = await this.locate(resource);
    if (!found) {
      return undefined;
    }
    const composite = await this.readComposite(found.entry, found.object);
    return this.observedState(found.entry, found.object, composite);
  }

  async observeAll(): Promise<ObservedState[]> {
    const definitions = await this.refreshDefinitions();
    const entries = new Map(this.instanceEntries);
    for (const entry of definitions.values()) {
      entries.set(resourceTypeKey(entry.definition.instanceType), entry);
    }
    const states = await Promise.all(
      [...entries.values()].map(entry => this.observeType(entry)),
    );
    return states.flat();
  }

  async upgrade(
    resource: EngineResourceRef,
    toVersion: string,
    context?: EngineCallContext,
  ): Promise<void> {
    const client = this.clientFor(context);
    const found = await this.locate(resource, client);
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
   * Re-runs the configure workflow of every instance of a Kratix capability.
   * The platform calls it through `reconcileAll`
   * (`POST /capabilities/{ref}/reconcile`).
   */
  async reconcileAll(
    capability: string,
    context?: EngineCallContext,
  ): Promise<void> {
    return this.reconcileAllResources(capability, context);
  }

  /** Re-runs the workflows of every request of a Kratix Promise. */
  async reconcileAllResources(
    capability: string,
    context?: EngineCallContext,
  ): Promise<void> {
    const client = this.clientFor(context);
    const entry = await this.entryFor(capability);
    if (!this.kratix || entry.adapter !== this.kratix) {
      throw new InputError(
        `Capability '${capability}' on cluster '${this.id}' is not a Kratix Promise; only Promises re-run their instances' workflows`,
      );
    }
    await this.kratix.reconcileAllResources(entry.definition, client);
  }

  watch(listener: (change: EngineChange) => void): () => void {
    this.listeners.add(listener);
    if (!this.watching) {
      this.startWatching();
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
    for (const watcher of this.watchers.values()) {
      watcher.resync();
    }
    await this.refreshDefinitions().catch(error =>
      this.logger.warn(
        `Could not list the capabilities of cluster '${this.id}': ${error.message}`,
      ),
    );
  }

  /** Stops every watch; for backend shutdown. */
  close() {
    this.listeners.clear();
    this.stopWatching();
  }

  // --- capabilities -------------------------------------------------------

  private async refreshDefinitions(): Promise<Map<string, Entry>> {
    const started = ++this.refreshesStarted;
    const lists = await Promise.all(
      this.adapters.map(async adapter => {
        const definitions = await adapter.listDefinitions();
        return definitions.map(definition => ({ definition, adapter }));
      }),
    );
    // Of refreshes that overlap, the one started last wins.
    if (started > this.refreshesApplied) {
      this.refreshesApplied = started;
      this.applyDefinitions(lists.flat());
    }
    return this.definitions!;
  }

  private applyDefinitions(entries: Entry[]) {
    const definitions = new Map<string, Entry>();
    for (const entry of entries) {
      const { name } = entry.definition.capability;
      const existing = definitions.get(name);
      if (existing) {
        this.logger.warn(
          `Capability name '${name}' on cluster '${this.id}' is used by ${existing.definition.source.kind} ${existing.definition.source.name} and ${entry.definition.source.kind} ${entry.definition.source.name}; only the first is offered`,
        );
        continue;
      }
      definitions.set(name, entry);
      this.instanceEntries.set(
        resourceTypeKey(entry.definition.instanceType),
        entry,
      );
    }
    this.definitions = definitions;
    if (this.watching) {
      this.reconcileWatchers();
    }
    this.reportCapabilityChanges();
  }

  private capabilitiesOf(definitions: Map<string, Entry>): EngineCapability[] {
    return [...definitions.values()].map(({ definition }) => {
      const type = definition.instanceType;
      if (!this.unservedTypes.has(resourceTypeKey(type))) {
        return definition.capability;
      }
      return {
        ...definition.capability,
        available: false,
        availabilityMessage: `Cluster '${
          this.id
        }' does not serve ${qualifiedResource(type)}/${
          type.version
        }: its CustomResourceDefinition is missing`,
      };
    });
  }

  private reportCapabilityChanges() {
    if (!this.definitions) {
      return;
    }
    const current = JSON.stringify(this.capabilitiesOf(this.definitions));
    const changed =
      this.lastCapabilities !== undefined && this.lastCapabilities !== current;
    this.lastCapabilities = current;
    if (changed) {
      this.emit({ type: 'capabilities' });
    }
  }

  private async entryFor(capability: string): Promise<Entry> {
    const entry =
      this.definitions?.get(capability) ??
      (await this.refreshDefinitions()).get(capability);
    if (!entry) {
      throw new NotFoundError(
        `Cluster '${this.id}' offers no capability '${capability}'`,
      );
    }
    return entry;
  }

  // --- reading instances -----------------------------------------------------

  private async observeType(entry: Entry): Promise<ObservedState[]> {
    const { instanceType, compositeType } = entry.definition;
    let instances: KubeObject[];
    try {
      ({ items: instances } = await this.client.list(instanceType, {
        labelSelector: MANAGED_SELECTOR,
      }));
    } catch (error) {
      if (error instanceof NotFoundError) {
        return []; // The type is gone, and its objects with it.
      }
      throw error;
    }
    const composites = new Map<string, KubeObject>();
    if (compositeType && instances.length > 0) {
      const { items } = await this.client.list(compositeType, {
        labelSelector: CROSSPLANE_LABELS.claimName,
      });
      for (const composite of items) {
        composites.set(composite.metadata.name, composite);
      }
    }
    return instances.flatMap(instance => {
      const compositeName = entry.adapter.compositeNameOf?.(instance);
      const state = this.observedState(
        entry,
        instance,
        compositeName ? composites.get(compositeName) : undefined,
      );
      return state ? [state] : [];
    });
  }

  /**
   * Finds a resource's object: by its engine ref, read through `client`, or
   * by its label on every instance type. The label search lists across all
   * namespaces, which users' roles rarely allow, so it uses the engine's
   * identity; what is found is then changed through `client`.
   */
  private async locate(
    resource: EngineResourceRef,
    client: ClusterClient = this.client,
  ): Promise<{ entry: Entry; object: KubeObject } | undefined> {
    const ref = resource.engineRef;
    if (ref?.apiVersion && ref.kind && ref.name) {
      const entry = await this.entryForRef(ref);
      if (!entry) {
        return undefined;
      }
      const object = await client.get(
        entry.definition.instanceType,
        ref.namespace || undefined,
        ref.name,
      );
      if (!object || resourceIdOf(object) !== resource.resourceId) {
        return undefined;
      }
      return { entry, object };
    }
    const definitions = await this.refreshDefinitions();
    for (const entry of definitions.values()) {
      try {
        const { items } = await this.client.list(
          entry.definition.instanceType,
          {
            labelSelector: resourceSelector(resource.resourceId),
          },
        );
        if (items[0]) {
          return { entry, object: items[0] };
        }
      } catch (error) {
        if (!(error instanceof NotFoundError)) {
          throw error;
        }
      }
    }
    return undefined;
  }

  private async entryForRef(ref: EngineObjectRef): Promise<Entry | undefined> {
    const matches = (entry: Entry) =>
      apiVersionOf(entry.definition.instanceType) === ref.apiVersion &&
      entry.definition.instanceType.kind === ref.kind;
    const find = () =>
      [
        ...(this.definitions?.values() ?? []),
        ...this.instanceEntries.values(),
      ].find(matches);
    return find() ?? ((await this.refreshDefinitions()) && find());
  }

  private async readComposite(
    entry: Entry,
    instance: KubeObject,
  ): Promise<KubeObject | undefined> {
    const { compositeType } = entry.definition;
    const name = entry.adapter.compositeNameOf?.(instance);
    return compositeType && name
      ? this.client.get(compositeType, undefined, name)
      : undefined;
  }

  private observedState(
    entry: Entry,
    object: KubeObject,
    composite?: KubeObject,
  ): ObservedState | undefined {
    const resourceId = resourceIdOf(object, this.legacyKeys(object));
    if (!resourceId) {
      return undefined;
    }
    const status = entry.adapter.normalize(entry.definition, object, composite);
    const generation = appliedGenerationOf(object, this.legacyKeys(object));
    const state: ObservedState = {
      resourceId,
      engineRef: this.engineRefOf(
        entry.definition.instanceType,
        object.metadata.namespace,
        object.metadata.name,
      ),
      phase: status.phase,
      // Until the controller has seen the latest spec, the generation before it is what it reconciled.
      observedGeneration: status.generationObserved
        ? generation
        : Math.max(0, generation - 1),
      conditions: status.conditions,
      outputs: status.outputs,
    };
    if (status.message) {
      state.message = status.message;
    }
    if (status.appliedVersion) {
      state.appliedVersion = status.appliedVersion;
    }
    return state;
  }

  // --- watching --------------------------------------------------------------

  private startWatching() {
    this.watching = true;
    const session = ++this.watchSessions;
    // Until the first listing succeeds there is nothing to watch; keep trying.
    const load = async () => {
      let lastProblem: string | undefined;
      for (
        let failures = 1;
        this.watching && session === this.watchSessions;
        failures++
      ) {
        try {
          await this.refreshDefinitions();
          return;
        } catch (error) {
          const { message } = error as Error;
          if (message !== lastProblem) {
            lastProblem = message;
            this.logger.warn(
              `Could not list the capabilities of cluster '${this.id}', retrying: ${message}`,
            );
          }
          await new Promise(resolve =>
            setTimeout(resolve, backoffDelay(failures, this.backoff)).unref(),
          );
        }
      }
    };
    load().catch(error =>
      this.logger.error(`Watching cluster '${this.id}' failed`, error),
    );
  }

  private stopWatching() {
    this.watching = false;
    for (const watcher of this.watchers.values()) {
      watcher.stop();
    }
    this.watchers.clear();
    this.lastEmitted.clear();
  }

  /** Starts a watch for every type that should have one, and stops the rest. */
  private reconcileWatchers() {
    const wanted = new Map<string, () => ResourceWatcher>();
    for (const adapter of this.adapters) {
      for (const type of adapter.watchedTypes()) {
        wanted.set(watcherKey(type), () =>
          this.createWatcher(type, undefined, () => this.scheduleRefresh()),
        );
      }
    }
    for (const [typeKey, entry] of this.instanceEntries) {
      const { instanceType, compositeType } = entry.definition;
      wanted.set(watcherKey(instanceType, MANAGED_SELECTOR), () =>
        this.createWatcher(
          instanceType,
          MANAGED_SELECTOR,
          event => this.onInstanceEvent(typeKey, event),
          served => this.onInstanceTypeServed(typeKey, served),
        ),
      );
      if (compositeType) {
        wanted.set(watcherKey(compositeType, CROSSPLANE_LABELS.claimName), () =>
          this.createWatcher(
            compositeType,
            CROSSPLANE_LABELS.claimName,
            event => this.onCompositeEvent(typeKey, event),
          ),
        );
      }
    }
    for (const [key, watcher] of this.watchers) {
      if (!wanted.has(key)) {
        watcher.stop();
        this.watchers.delete(key);
      }
    }
    for (const [key, create] of wanted) {
      if (!this.watchers.has(key)) {
        const watcher = create();
        this.watchers.set(key, watcher);
        watcher.start();
      }
    }
  }

  private createWatcher(
    type: ResourceType,
    labelSelector: string | undefined,
    onEvent: (event: ObjectEvent) => void,
    onServedChange?: (served: boolean) => void,
  ) {
    return new ResourceWatcher({
      client: this.client,
      type,
      labelSelector,
      logger: this.logger,
      onEvent,
      onServedChange,
      backoff: this.backoff,
      watchTimeoutSeconds: this.watchTimeoutSeconds,
    });
  }

  /** Coalesces the burst of definition events a list produces into one refresh. */
  private scheduleRefresh() {
    if (this.refreshScheduled) {
      return;
    }
    this.refreshScheduled = true;
    setImmediate(() => {
      this.refreshScheduled = false;
      if (!this.watching) {
        return;
      }
      this.refreshDefinitions().catch(error =>
        this.logger.warn(
          `Could not list the capabilities of cluster '${this.id}': ${error.message}`,
        ),
      );
    });
  }

  private onInstanceEvent(typeKey: string, event: ObjectEvent) {
    const entry = this.instanceEntries.get(typeKey);
    const resourceId = resourceIdOf(
      event.object,
      this.legacyKeys(event.object),
    );
    if (!entry || !resourceId) {
      return;
    }
    if (event.type === 'delete') {
      this.lastEmitted.delete(resourceId);
      this.emit({
        type: 'deleted',
        resource: {
          resourceId,
          engineRef: this.engineRefOf(
            entry.definition.instanceType,
            event.object.metadata.namespace,
            event.object.metadata.name,
          ),
        },
      });
      return;
    }
    const { compositeType } = entry.definition;
    const compositeName = entry.adapter.compositeNameOf?.(event.object);
    const composite =
      compositeType && compositeName
        ? this.watchers
            .get(watcherKey(compositeType, CROSSPLANE_LABELS.claimName))
            ?.get(undefined, compositeName)
        : undefined;
    this.emitObserved(this.observedState(entry, event.object, composite));
  }

  /** A composite changed: report its claim again, which shows the composite's parts. */
  private onCompositeEvent(typeKey: string, event: ObjectEvent) {
    const entry = this.instanceEntries.get(typeKey);
    const claim = entry?.adapter.claimOf?.(event.object);
    if (!entry || !claim) {
      return;
    }
    const instance = this.watchers
      .get(watcherKey(entry.definition.instanceType, MANAGED_SELECTOR))
      ?.get(claim.namespace, claim.name);
    if (instance) {
      this.emitObserved(
        this.observedState(
          entry,
          instance,
          event.type === 'delete' ? undefined : event.object,
        ),
      );
    }
  }

  private onInstanceTypeServed(typeKey: string, served: boolean) {
    if (served) {
      this.unservedTypes.delete(typeKey);
    } else {
      this.unservedTypes.add(typeKey);
      const entry = this.instanceEntries.get(typeKey);
      const stillOffered =
        entry &&
        this.definitions?.get(entry.definition.capability.name) === entry;
      if (!stillOffered) {
        // Its capability is gone too, and the deletions were reported: retire the watch.
        this.instanceEntries.delete(typeKey);
        this.unservedTypes.delete(typeKey);
        this.reconcileWatchers();
      }
    }
    this.reportCapabilityChanges();
  }

  private emitObserved(state: ObservedState | undefined) {
    if (!state) {
      return;
    }
    // Controllers rewrite status often without changing anything the platform sees.
    const serialized = JSON.stringify(state);
    if (this.lastEmitted.get(state.resourceId) === serialized) {
      return;
    }
    this.lastEmitted.set(state.resourceId, serialized);
    this.emit({ type: 'observed', state });
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

  // --- helpers ---------------------------------------------------------------

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

  private engineRefOf(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): EngineObjectRef {
    return {
      cluster: this.id,
      namespace: namespace ?? '',
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      name,
    };
  }

  /** The listener for old label and annotation spellings on objects of this object's kind. */
  private legacyKeys(object: KubeObject) {
    return this.legacyWarner(
      `Cluster '${this.id}': ${
        object.kind ?? 'object'
      } objects managed by Trellis`,
    );
  }

  private assertManagedBy(
    object: KubeObject,
    resourceId: string,
    verb: string,
  ) {
    const owner = resourceIdOf(object);
    if (owner !== resourceId) {
      throw new ConflictError(
        `Cannot ${verb} ${object.kind ?? 'object'} ${
          object.metadata.namespace
        }/${object.metadata.name} on cluster '${this.id}': it ${
          owner
            ? `belongs to another platform resource (${owner})`
            : 'was not created by the platform'
        }`,
      );
    }
  }
}

function watcherKey(type: ResourceType, labelSelector = ''): string {
  return `${resourceTypeKey(type)}?${labelSelector}`;
}

function withoutNulls(values: Record<string, string | null>) {
  return Object.fromEntries(
    Object.entries(values).filter(
      (entry): entry is [string, string] => entry[1] !== null,
    ),
  );
}

/** Whether a merge patch would leave the object's labels, annotations and spec as they are. */
function isNoOpPatch(object: KubeObject, patch: JsonObject): boolean {
  const current = object as unknown as JsonValue;
  const patched = applyMergePatch(current, patch) as unknown as KubeObject;
  return (
    isDeepStrictEqual(patched.metadata.labels, object.metadata.labels) &&
    isDeepStrictEqual(
      patched.metadata.annotations,
      object.metadata.annotations,
    ) &&
    isDeepStrictEqual(patched.spec, object.spec)
  );
}
