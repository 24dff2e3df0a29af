import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  EngineObjectRef,
  PipelineLog,
} from '@trellis/backstage-plugin-platform-common';
import {
  DesiredResource,
  EngineCapability,
  EngineChange,
  EngineResourceRef,
  ObservedState,
  PlatformEngine,
} from '@trellis/backstage-plugin-platform-node';
import { isDeepStrictEqual } from 'node:util';
import { CapabilityLoader } from '../capabilities/CapabilityLoader';
import { CapabilityDefinition, currentVersion } from '../capabilities/types';
import { GitStateStore } from '../git/GitStateStore';
import { PipelineRunner } from '../pipeline/PipelineRunner';
import { assertDnsLabel, assertResourceId } from '../state/paths';
import { StateStore } from '../state/StateStore';
import { configureWork, InstanceRecord } from '../state/types';
import { Conditions } from './conditions';
import { InstanceRecords } from './InstanceRecords';
import { LogBook } from './LogBook';
import {
  engineRefOf,
  findVersion,
  newRecord,
  setStatus,
  toDesired,
  toEngineCapability,
} from './mapping';
import { Reconciler } from './Reconciler';
import { LocalEngineOptions } from './options';
import { validateDesired } from './validation';

export type { LocalEngineOptions } from './options';

/**
 * The embedded local engine: Kratix's contract on one machine. Capabilities
 * are Promise files in a folder, each request is reconciled by running the
 * Promise's pipelines as local processes, and their outputs are committed
 * to a Git repository. Its state lives in its own folder, so it survives
 * restarts and re-runs pipelines a crash interrupted.
 */
export class LocalEngine implements PlatformEngine {
  readonly id = 'local';
  readonly title = 'Local engine';

  private readonly logger: LoggerService;
  private readonly loader: CapabilityLoader;
  private readonly store: StateStore;
  private readonly git: GitStateStore;
  private readonly logBook: LogBook;
  private readonly records: InstanceRecords;
  private readonly reconciler: Reconciler;
  private readonly maxSpecBytes: number;
  private readonly watchCapabilities: boolean;
  private unwatch?: () => void;
  private instance = '';
  private started = false;

  /** Creates the engine on its state folder; call `start` to begin work. */
  static async create(options: LocalEngineOptions): Promise<LocalEngine> {
    const engine = new LocalEngine(options);
    await engine.init();
    return engine;
  }

  private constructor(options: LocalEngineOptions) {
    this.logger = options.logger;
    this.loader = new CapabilityLoader({
      dir: options.capabilitiesDir,
      logger: options.logger,
    });
    this.store = new StateStore(options.stateDir);
    this.git = new GitStateStore(this.store.gitDir);
    const secrets = options.secrets ?? {};
    const runner = new PipelineRunner({
      sharedEnv: options.stepEnv,
      stepTimeoutMs: (options.stepTimeoutSeconds ?? 300) * 1000,
      maxLogCharacters: options.maxLogBytes ?? 64 * 1024,
      secrets: (secret, key) =>
        Object.prototype.hasOwnProperty.call(secrets, secret) &&
        Object.prototype.hasOwnProperty.call(secrets[secret], key)
          ? secrets[secret][key]
          : undefined,
    });
    this.logBook = new LogBook(this.store);
    this.records = new InstanceRecords(this.store, this.logger);
    this.maxSpecBytes = options.maxSpecBytes ?? 256 * 1024;
    this.watchCapabilities = options.watchCapabilities ?? true;
    this.reconciler = new Reconciler({
      records: this.records,
      loader: this.loader,
      store: this.store,
      git: this.git,
      runner,
      logBook: this.logBook,
      logger: this.logger,
      concurrency: Math.max(1, options.concurrency ?? 4),
      retries: {
        limit: options.retries?.limit ?? 3,
        initialBackoffMs: (options.retries?.initialBackoffSeconds ?? 5) * 1000,
        maxBackoffMs: (options.retries?.maxBackoffSeconds ?? 300) * 1000,
      },
    });
  }

  /**
   * The id of this engine's state folder. Every replica has its own folder,
   * so the platform binds resources to the instance that holds them.
   */
  get instanceId(): string {
    return this.instance;
  }

  private async init() {
    await this.store.init();
    this.instance = await this.store.instanceId();
    await this.git.init();
    await this.records.load();
    await this.loader.refresh();
  }

  /**
   * Starts reconciling: pipelines a crash interrupted are cleaned up and run
   * again, pending retries are re-armed, and capability files are watched.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.reconciler.start();
    if (this.watchCapabilities) {
      this.unwatch = this.loader.watch(() =>
        this.records.emit({ type: 'capabilities' }),
      );
    }
  }

  /**
   * Stops the engine: running steps are terminated and nothing more is
   * written, so their instances still show the interrupted run on disk and
   * run it again on the next start (the same path as after a crash).
   */
  async stop(): Promise<void> {
    if (this.records.isStopped) return;
    this.records.stop();
    this.unwatch?.();
    await this.reconciler.stop();
  }

  /** Re-reads the capability files; tells watchers when they changed. */
  async refreshCapabilities(): Promise<void> {
    if (await this.loader.refresh()) {
      this.records.emit({ type: 'capabilities' });
    }
  }

  async listCapabilities(): Promise<EngineCapability[]> {
    this.ensureRunning();
    return (await this.loader.list()).map(toEngineCapability);
  }

  async apply(
    desired: DesiredResource,
  ): Promise<{ engineRef: EngineObjectRef }> {
    this.ensureRunning();
    assertResourceId(desired.resourceId);
    assertDnsLabel('capability', desired.capability);
    const capability = await this.loader.get(desired.capability);
    if (!capability) {
      throw new InputError(
        `The local engine offers no capability ${JSON.stringify(
          desired.capability,
        )}`,
      );
    }
    const existing = this.records.get(desired.resourceId);
    if (existing) {
      return this.update(existing, desired, capability);
    }
    if (capability.problem) {
      throw new InputError(
        `Capability ${capability.name} is unavailable: ${capability.problem}`,
      );
    }
    const version = findVersion(capability, desired.version);
    const spec = validateDesired(desired, version, {
      maxSpecBytes: this.maxSpecBytes,
    });
    const clash = this.records
      .all()
      .find(
        r =>
          r.capability === desired.capability &&
          r.environment === desired.environment &&
          r.name === desired.name,
      );
    if (clash) {
      throw new ConflictError(
        `A ${desired.capability} named ${desired.name} already exists in ${
          desired.environment
        }${clash.deletionRequestedAt ? ' and is being deleted' : ''}`,
      );
    }
    const record = newRecord(desired, spec, version.version);
    // Durable before known: a request the engine could not write is not
    // accepted, so the platform keeps owing it and applies it again.
    await this.records.save(record);
    const raced = this.records.get(record.resourceId);
    if (raced) {
      // A concurrent apply of the same resource was accepted first.
      this.reconciler.enqueue(raced.resourceId);
      return { engineRef: engineRefOf(raced) };
    }
    this.records.add(record);
    this.reconciler.enqueue(record.resourceId);
    return { engineRef: engineRefOf(record) };
  }

  async delete(resource: EngineResourceRef): Promise<void> {
    this.ensureRunning();
    const record = this.records.get(resource.resourceId);
    if (!record) {
      // Already gone: tell the platform, which may be waiting for it.
      queueMicrotask(() =>
        this.records.emit({
          type: 'deleted',
          resource: {
            resourceId: resource.resourceId,
            engineRef: resource.engineRef,
          },
        }),
      );
      return;
    }
    await this.records.changeDurably(record, () => {
      // Asking again retries a delete that gave up.
      record.failures = undefined;
      if (!record.deletionRequestedAt) {
        record.deletionRequestedAt = new Date().toISOString();
        setStatus(record, {
          phase: 'Deleting',
          message:
            record.activeRun?.action === 'configure'
              ? 'Cancelling the configure workflow to run the delete workflow'
              : 'Waiting for a pipeline slot to run the delete workflow',
        });
      }
    });
    // A configure in progress is pointless now; the delete follows it.
    this.reconciler.cancelConfigure(
      record,
      'cancelled: the resource is being deleted',
    );
    this.reconciler.enqueue(record.resourceId);
  }

  async upgrade(resource: EngineResourceRef, toVersion: string): Promise<void> {
    this.ensureRunning();
    const record = this.records.get(resource.resourceId);
    if (!record) {
      throw new NotFoundError(
        `The local engine has no resource ${resource.resourceId}`,
      );
    }
    if (record.deletionRequestedAt) {
      throw new ConflictError(`${record.name} is being deleted`);
    }
    const capability = await this.loader.get(record.capability);
    if (!capability) {
      throw new InputError(
        `The local engine offers no capability ${record.capability}`,
      );
    }
    const version = findVersion(capability, toVersion);
    if (record.desired.version === toVersion) {
      // Already the target: asking again retries a failed upgrade now.
      if (record.failures?.work === configureWork(record)) {
        await this.records.changeDurably(record, () => {
          record.failures = undefined;
        });
        this.reconciler.enqueue(record.resourceId);
      } else {
        this.records.republish(record);
      }
      return;
    }
    // The target version's schema may require or default new fields.
    const spec = validateDesired(toDesired(record), version, {
      maxSpecBytes: this.maxSpecBytes,
    });
    await this.records.changeDurably(record, () => {
      record.desired = { ...record.desired, spec, version: toVersion };
      if (!record.activeRun) {
        setStatus(record, {
          phase: 'Updating',
          message: `Upgrade to ${toVersion} is waiting for a pipeline slot`,
          conditions: [Conditions.reconcilePending()],
        });
      }
    });
    this.reconciler.enqueue(record.resourceId);
  }

  async observe(
    resource: EngineResourceRef,
  ): Promise<ObservedState | undefined> {
    this.ensureRunning();
    const record = this.records.get(resource.resourceId);
    return record && this.records.observedState(record);
  }

  async observeAll(): Promise<ObservedState[]> {
    this.ensureRunning();
    return this.records.all().map(r => this.records.observedState(r));
  }

  async getLogs(resource: EngineResourceRef): Promise<PipelineLog[]> {
    this.ensureRunning();
    if (!this.records.get(resource.resourceId)) {
      return [];
    }
    return this.logBook.list(resource.resourceId);
  }

  watch(listener: (change: EngineChange) => void): () => void {
    return this.records.watch(listener);
  }

  private async update(
    record: InstanceRecord,
    desired: DesiredResource,
    capability: CapabilityDefinition,
  ): Promise<{ engineRef: EngineObjectRef }> {
    if (
      record.capability !== desired.capability ||
      record.name !== desired.name ||
      record.environment !== desired.environment
    ) {
      throw new ConflictError(
        `Resource ${record.resourceId} is ${record.capability} ${record.name} in ${record.environment}; its capability, name and environment cannot change`,
      );
    }
    if (record.deletionRequestedAt) {
      throw new ConflictError(`${record.name} is being deleted`);
    }
    if (desired.generation < record.desired.generation) {
      return { engineRef: engineRefOf(record) }; // a late retry of an older apply
    }
    // The instance keeps its version: `upgrade` is the way to move it.
    const version =
      capability.versions.find(v => v.version === record.desired.version) ??
      currentVersion(capability);
    const spec = validateDesired(desired, version, {
      maxSpecBytes: this.maxSpecBytes,
    });
    if (desired.generation === record.desired.generation) {
      if (!isDeepStrictEqual(spec, record.desired.spec)) {
        throw new ConflictError(
          `Generation ${desired.generation} of ${record.name} was already applied with a different spec`,
        );
      }
      // Applying again is level-triggered: the record is written (again) and
      // queued, so an instance the engine holds but does not run is healed.
      await this.records.save(record);
      this.reconciler.enqueue(record.resourceId);
      return { engineRef: engineRefOf(record) };
    }
    await this.records.changeDurably(record, () => {
      record.desired = {
        ...record.desired,
        owner: desired.owner,
        requestedBy: desired.requestedBy,
        component: desired.component,
        spec,
        generation: desired.generation,
      };
      if (!record.activeRun) {
        setStatus(record, {
          phase: record.reconciled ? 'Updating' : 'Pending',
          message: `Generation ${desired.generation} is waiting for a pipeline slot`,
          conditions: [Conditions.reconcilePending()],
        });
      }
    });
    this.reconciler.enqueue(record.resourceId);
    return { engineRef: engineRefOf(record) };
  }

  private ensureRunning() {
    if (this.records.isStopped) {
      throw new ServiceUnavailableError('The local engine is shutting down');
    }
  }
}
