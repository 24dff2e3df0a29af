import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  EngineObjectRef,
  JsonObject,
  PipelineLog,
  ResourceCondition,
  RESOURCE_ANNOTATIONS,
  ResourcePhase,
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
import { randomUUID } from 'node:crypto';
import { CapabilityLoader } from '../capabilities/CapabilityLoader';
import {
  CapabilityDefinition,
  CapabilityVersion,
  currentVersion,
} from '../capabilities/types';
import { GitStateStore, ResourceLocation } from '../git/GitStateStore';
import { PipelineRunner, WorkflowResult } from '../pipeline/PipelineRunner';
import { killOrphanedStep } from '../pipeline/processes';
import { assertDnsLabel, assertResourceId } from '../state/paths';
import { StateStore } from '../state/StateStore';
import { configureWork, DELETE_WORK, InstanceRecord } from '../state/types';
import { Conditions, setConditions } from './conditions';
import { LogBook } from './LogBook';
import { nextAction } from './nextAction';
import { validateDesired } from './validation';
import { WorkQueue } from './WorkQueue';

/** How the local engine is set up; see config.d.ts for the meaning. */
export interface LocalEngineOptions {
  capabilitiesDir: string;
  stateDir: string;
  logger: LoggerService;
  /** Pipelines that may run at once. Default 4. */
  concurrency?: number;
  /** Default 300. */
  stepTimeoutSeconds?: number;
  /** Default 256 KiB. */
  maxSpecBytes?: number;
  /** Per step. Default 64 KiB. */
  maxLogBytes?: number;
  retries?: {
    /** Retries after a failure before giving up. Default 3. */
    limit?: number;
    /** Default 5. */
    initialBackoffSeconds?: number;
    /** Default 300. */
    maxBackoffSeconds?: number;
  };
  /** Values steps can reference with `valueFrom.secretKeyRef`. */
  secrets?: Record<string, Record<string, string>>;
  /**
   * Non-secret variables every pipeline step gets, such as
   * `TRELLIS_GIT_HTTP_URL` when the backend serves the engine's repositories.
   */
  stepEnv?: Record<string, string>;
  /** Watch the capabilities folder for changes. Default true. */
  watchCapabilities?: boolean;
}

type Action = 'configure' | 'delete';

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
  private readonly runner: PipelineRunner;
  private readonly logBook: LogBook;
  private readonly queue: WorkQueue;
  private readonly records = new Map<string, InstanceRecord>();
  private readonly running = new Map<string, AbortController>();
  /** Records whose latest state could not be written yet. */
  private readonly unsaved = new Set<string>();
  /** The state last published per record (see `observedState`). */
  private readonly published = new Map<string, ObservedState>();
  /** Consecutive unexpected reconcile errors per record, for backoff. */
  private readonly errors = new Map<string, number>();
  private readonly listeners = new Set<(change: EngineChange) => void>();
  private readonly maxSpecBytes: number;
  private readonly retryLimit: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly watchCapabilities: boolean;
  private unwatch?: () => void;
  private instance = '';
  private started = false;
  private stopped = false;

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
    this.runner = new PipelineRunner({
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
    this.maxSpecBytes = options.maxSpecBytes ?? 256 * 1024;
    this.retryLimit = options.retries?.limit ?? 3;
    this.initialBackoffMs =
      (options.retries?.initialBackoffSeconds ?? 5) * 1000;
    this.maxBackoffMs = (options.retries?.maxBackoffSeconds ?? 300) * 1000;
    this.watchCapabilities = options.watchCapabilities ?? true;
    this.queue = new WorkQueue({
      concurrency: Math.max(1, options.concurrency ?? 4),
      process: async key => {
        await this.reconcile(key);
        this.errors.delete(key);
      },
      // Any error requeues, with exponential backoff (a controller's
      // rate-limited requeue): a state folder that comes back is noticed.
      onError: (key, error) => {
        const count = (this.errors.get(key) ?? 0) + 1;
        this.errors.set(key, count);
        const delayMs = Math.min(
          this.initialBackoffMs * 2 ** Math.min(count - 1, 20),
          this.maxBackoffMs,
        );
        this.logger.error(
          `Reconciling ${key} failed unexpectedly; retrying in ${Math.ceil(
            delayMs / 1000,
          )} s`,
          error as Error,
        );
        this.queue.addAfter(key, delayMs);
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
    for (const record of await this.store.loadInstances(this.logger)) {
      this.records.set(record.resourceId, record);
    }
    await this.loader.refresh();
  }

  /**
   * Starts reconciling: pipelines a crash interrupted are cleaned up and run
   * again, pending retries are re-armed, and capability files are watched.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const record of this.records.values()) {
      if (record.activeRun) {
        await this.recoverInterruptedRun(record);
      }
      this.queue.add(record.resourceId);
    }
    this.queue.start();
    if (this.watchCapabilities) {
      this.unwatch = this.loader.watch(() =>
        this.emit({ type: 'capabilities' }),
      );
    }
  }

  /**
   * Stops the engine: running steps are terminated and nothing more is
   * written, so their instances still show the interrupted run on disk and
   * run it again on the next start (the same path as after a crash).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unwatch?.();
    for (const controller of this.running.values()) {
      controller.abort(
        new Error(
          'interrupted: the backend is stopping; the pipeline runs again when it starts',
        ),
      );
    }
    await this.queue.stop();
    this.listeners.clear();
  }

  /** Re-reads the capability files; tells watchers when they changed. */
  async refreshCapabilities(): Promise<void> {
    if (await this.loader.refresh()) {
      this.emit({ type: 'capabilities' });
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
    const clash = [...this.records.values()].find(
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
    const now = new Date().toISOString();
    const record: InstanceRecord = {
      resourceId: desired.resourceId,
      capability: desired.capability,
      name: desired.name,
      environment: desired.environment,
      desired: {
        owner: desired.owner,
        requestedBy: desired.requestedBy,
        component: desired.component,
        spec,
        generation: desired.generation,
        version: version.version,
      },
      status: {
        phase: 'Pending',
        message: 'Waiting for a pipeline slot',
        observedGeneration: 0,
        conditions: setConditions([], [Conditions.reconcilePending()], now),
        outputs: {},
      },
      createdAt: now,
      updatedAt: now,
    };
    // Durable before known: a request the engine could not write is not
    // accepted, so the platform keeps owing it and applies it again.
    await this.save(record);
    const raced = this.records.get(record.resourceId);
    if (raced) {
      // A concurrent apply of the same resource was accepted first.
      this.queue.add(raced.resourceId);
      return { engineRef: engineRefOf(raced) };
    }
    this.records.set(record.resourceId, record);
    this.emitObserved(record);
    this.queue.add(record.resourceId);
    return { engineRef: engineRefOf(record) };
  }

  async delete(resource: EngineResourceRef): Promise<void> {
    this.ensureRunning();
    const record = this.records.get(resource.resourceId);
    if (!record) {
      // Already gone: tell the platform, which may be waiting for it.
      queueMicrotask(() =>
        this.emit({
          type: 'deleted',
          resource: {
            resourceId: resource.resourceId,
            engineRef: resource.engineRef,
          },
        }),
      );
      return;
    }
    await this.changeDurably(record, () => {
      // Asking again retries a delete that gave up.
      record.failures = undefined;
      if (!record.deletionRequestedAt) {
        record.deletionRequestedAt = new Date().toISOString();
        this.setStatus(record, {
          phase: 'Deleting',
          message:
            record.activeRun?.action === 'configure'
              ? 'Cancelling the configure workflow to run the delete workflow'
              : 'Waiting for a pipeline slot to run the delete workflow',
        });
      }
    });
    // A configure in progress is pointless now; the delete follows it.
    if (record.activeRun?.action === 'configure') {
      this.running
        .get(record.resourceId)
        ?.abort(new Error('cancelled: the resource is being deleted'));
    }
    this.queue.add(record.resourceId);
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
        await this.changeDurably(record, () => {
          record.failures = undefined;
        });
        this.queue.add(record.resourceId);
      } else {
        this.publish(this.observedState(record));
      }
      return;
    }
    // The target version's schema may require or default new fields.
    const spec = validateDesired(this.toDesired(record), version, {
      maxSpecBytes: this.maxSpecBytes,
    });
    await this.changeDurably(record, () => {
      record.desired = { ...record.desired, spec, version: toVersion };
      if (!record.activeRun) {
        this.setStatus(record, {
          phase: 'Updating',
          message: `Upgrade to ${toVersion} is waiting for a pipeline slot`,
          conditions: [Conditions.reconcilePending()],
        });
      }
    });
    this.queue.add(record.resourceId);
  }

  async observe(
    resource: EngineResourceRef,
  ): Promise<ObservedState | undefined> {
    this.ensureRunning();
    const record = this.records.get(resource.resourceId);
    return record && this.observedState(record);
  }

  async observeAll(): Promise<ObservedState[]> {
    this.ensureRunning();
    return [...this.records.values()].map(r => this.observedState(r));
  }

  async getLogs(resource: EngineResourceRef): Promise<PipelineLog[]> {
    this.ensureRunning();
    if (!this.records.has(resource.resourceId)) {
      return [];
    }
    return this.logBook.list(resource.resourceId);
  }

  watch(listener: (change: EngineChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
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
      await this.save(record);
      this.queue.add(record.resourceId);
      return { engineRef: engineRefOf(record) };
    }
    await this.changeDurably(record, () => {
      record.desired = {
        ...record.desired,
        owner: desired.owner,
        requestedBy: desired.requestedBy,
        component: desired.component,
        spec,
        generation: desired.generation,
      };
      if (!record.activeRun) {
        this.setStatus(record, {
          phase: record.reconciled ? 'Updating' : 'Pending',
          message: `Generation ${desired.generation} is waiting for a pipeline slot`,
          conditions: [Conditions.reconcilePending()],
        });
      }
    });
    this.queue.add(record.resourceId);
    return { engineRef: engineRefOf(record) };
  }

  private async reconcile(resourceId: string): Promise<void> {
    const record = this.records.get(resourceId);
    if (!record || this.stopped) return;
    if (this.unsaved.has(resourceId)) {
      // What the engine did is only done once it is on disk.
      await this.commit(record);
    }
    const action = nextAction(record, Date.now(), this.retryLimit);
    switch (action.type) {
      case 'wait':
        this.queue.addAfter(resourceId, action.delayMs);
        return;
      case 'configure':
        await this.configure(record);
        return;
      case 'delete':
        await this.deleteInstance(record);
        return;
      default:
      // 'none': reconciled already, or out of retries until something changes
    }
  }

  private async configure(record: InstanceRecord) {
    const work = configureWork(record);
    const { generation, version: versionName } = record.desired;
    const capability = await this.loader.get(record.capability);
    const version = capability?.versions.find(v => v.version === versionName);
    if (!capability || !version) {
      await this.recordFailure(record, work, {
        message: capability
          ? `Capability ${
              capability.name
            } no longer defines version ${versionName} (it defines ${capability.versions
              .map(v => v.version)
              .join(', ')}); upgrade the instance`
          : `Capability ${record.capability} is not defined in ${this.loader.directory}`,
        conditions: [],
      });
      return;
    }
    const applied = record.status.appliedVersion;
    const upgrading = applied !== undefined && applied !== versionName;
    let message = 'Running the configure workflow';
    if (upgrading) {
      message = `Upgrading from ${applied} to ${versionName}`;
    } else if (record.reconciled) {
      message = `Applying generation ${generation}`;
    }
    const result = await this.runWorkflow(
      record,
      'configure',
      capability,
      version,
      {
        phase: record.reconciled ? 'Updating' : 'Provisioning',
        message,
        conditions: [
          Conditions.configureRunning(),
          Conditions.reconcilePending(),
        ],
      },
    );
    if (!result) return;
    try {
      if (result.outcome === 'cancelled') {
        await this.persist(record); // a delete takes over from here
        return;
      }
      if (result.outcome === 'failed') {
        await this.recordFailure(record, work, {
          message: result.message,
          observedGeneration: generation,
          conditions: [Conditions.configureFailed(result.pipeline)],
        });
        return;
      }
      let commit: string;
      try {
        commit = await this.git.write(
          locationOf(record),
          result.outputDirs,
          `Configure ${describe(
            record,
          )}: generation ${generation} at ${versionName}`,
        );
      } catch (error) {
        const problem = `Could not commit the outputs to the state store: ${error}`;
        await this.recordFailure(record, work, {
          phase: 'Degraded',
          message: problem,
          observedGeneration: generation,
          conditions: [
            Conditions.configureSucceeded(),
            Conditions.worksFailing(problem),
          ],
        });
        return;
      }
      if (this.stopped) return;
      record.reconciled = work;
      record.failures = undefined;
      // The desired state may have moved on while the pipeline ran; then
      // this is not the end, and the queue runs the instance again.
      const done =
        configureWork(record) === work && !record.deletionRequestedAt;
      let phase: ResourcePhase = 'Ready';
      if (record.deletionRequestedAt) {
        phase = 'Deleting';
      } else if (!done) {
        phase = 'Updating';
      }
      this.setStatus(record, {
        phase,
        message: done
          ? result.message ?? 'Reconciled'
          : 'Applying the latest change',
        observedGeneration: generation,
        appliedVersion: versionName,
        outputs: { ...record.status.outputs, ...result.outputs },
        conditions: [
          Conditions.configureSucceeded(),
          Conditions.worksSucceeded(commit),
          done ? Conditions.reconciled() : Conditions.reconcilePending(),
        ],
      });
      await this.commit(record);
    } finally {
      if (!this.stopped) await this.store.removeRunDirs(record.resourceId);
    }
  }

  private async deleteInstance(record: InstanceRecord) {
    const capability = await this.loader.get(record.capability);
    if (!capability) {
      await this.recordFailure(record, DELETE_WORK, {
        phase: 'Deleting',
        message: `Cannot run the delete workflow: capability ${record.capability} is not defined in ${this.loader.directory}; restore its file to finish deleting`,
        conditions: [],
      });
      return;
    }
    // Undo with the version that did it; if that version is gone, the
    // current one's delete workflow is the best remaining choice.
    const version =
      capability.versions.find(
        v =>
          v.version ===
          (record.status.appliedVersion ?? record.desired.version),
      ) ?? currentVersion(capability);
    const result = await this.runWorkflow(
      record,
      'delete',
      capability,
      version,
      {
        phase: 'Deleting',
        message: 'Running the delete workflow',
        conditions: [Conditions.deleteRunning()],
      },
    );
    if (!result) return;
    try {
      if (result.outcome === 'cancelled') {
        await this.persist(record);
        return;
      }
      if (result.outcome === 'failed') {
        await this.recordFailure(record, DELETE_WORK, {
          phase: 'Deleting',
          message: result.message,
          conditions: [Conditions.deleteFailed(result.pipeline)],
        });
        return;
      }
      try {
        await this.git.remove(locationOf(record), `Delete ${describe(record)}`);
      } catch (error) {
        await this.recordFailure(record, DELETE_WORK, {
          phase: 'Deleting',
          message: `Could not remove the documents from the state store: ${error}`,
          conditions: [],
        });
        return;
      }
      if (this.stopped) return;
      await this.store.removeInstance(record.resourceId);
      this.records.delete(record.resourceId);
      this.published.delete(record.resourceId);
      this.emit({
        type: 'deleted',
        resource: {
          resourceId: record.resourceId,
          engineRef: engineRefOf(record),
        },
      });
    } finally {
      if (!this.stopped) await this.store.removeRunDirs(record.resourceId);
    }
  }

  /**
   * Records that a run starts (durably, before any process does, so a crash
   * leaves a trace), runs the workflow and returns its result, or undefined
   * when the engine stopped meanwhile.
   */
  private async runWorkflow(
    record: InstanceRecord,
    action: Action,
    capability: CapabilityDefinition,
    version: CapabilityVersion,
    starting: {
      phase: ResourcePhase;
      message: string;
      conditions: ResourceCondition[];
    },
  ): Promise<WorkflowResult | undefined> {
    const { resourceId } = record;
    const runId = randomUUID();
    record.activeRun = {
      id: runId,
      action,
      generation: record.desired.generation,
      version: version.version,
      startedAt: new Date().toISOString(),
    };
    this.setStatus(record, starting);
    try {
      await this.commit(record);
    } catch (error) {
      record.activeRun = undefined;
      throw error;
    }

    const controller = new AbortController();
    this.running.set(resourceId, controller);
    if (action === 'configure' && record.deletionRequestedAt) {
      controller.abort(new Error('cancelled: the resource is being deleted'));
    }
    try {
      const runDir = await this.store.createRunDir(resourceId, runId);
      await this.logBook.beginRun(resourceId);
      const result = await this.runner.run({
        runId,
        action,
        capability: capability.name,
        version,
        pipelines: action === 'configure' ? version.configure : version.delete,
        object: toKratixObject(record, version),
        runDir,
        dataDir: await this.store.capabilityDataDir(capability.name),
        signal: controller.signal,
        logs: {
          stepStarted: step => this.logBook.stepStarted(resourceId, step),
          stepFinished: log => this.logBook.stepFinished(resourceId, log),
          processStarted: pid => {
            if (record.activeRun?.id === runId) {
              record.activeRun.pid = pid;
              this.persist(record).catch(() => {});
            }
          },
        },
      });
      if (this.stopped) return undefined;
      record.activeRun = undefined;
      return result;
    } finally {
      this.running.delete(resourceId);
      await this.logBook.endRun(resourceId);
    }
  }

  private async recordFailure(
    record: InstanceRecord,
    work: string,
    failure: {
      /** The phase while retries remain; Failed once they are used up. */
      phase?: ResourcePhase;
      message: string;
      observedGeneration?: number;
      conditions: ResourceCondition[];
    },
  ) {
    if (this.stopped) return;
    const count =
      (record.failures?.work === work ? record.failures.count : 0) + 1;
    const retrying = count <= this.retryLimit;
    const delayMs = Math.min(
      this.initialBackoffMs * 2 ** (count - 1),
      this.maxBackoffMs,
    );
    const retryAt = retrying ? new Date(Date.now() + delayMs) : undefined;
    record.failures = { work, count, retryAt: retryAt?.toISOString() };
    const retryNote = retryAt
      ? `Failing; retry ${count} of ${
          this.retryLimit
        } at ${retryAt.toISOString()}`
      : `Failing; gave up after ${count} attempts`;
    this.setStatus(record, {
      phase: retrying ? failure.phase ?? 'Failed' : 'Failed',
      message: failure.message,
      observedGeneration: failure.observedGeneration,
      conditions: [
        ...failure.conditions,
        Conditions.reconcileFailing(retryNote),
      ],
    });
    await this.commit(record);
    if (retrying) {
      this.queue.addAfter(record.resourceId, delayMs);
    }
  }

  private async recoverInterruptedRun(record: InstanceRecord) {
    const run = record.activeRun!;
    if (run.pid !== undefined && (await killOrphanedStep(run.pid, run.id))) {
      this.logger.warn(
        `Killed step process ${run.pid} of ${describe(
          record,
        )} left running by a previous backend`,
      );
    }
    this.logger.info(
      `Running the ${run.action} workflow of ${describe(
        record,
      )} again: it was interrupted`,
    );
    await this.logBook.markInterrupted(record.resourceId);
    await this.store.removeRunDirs(record.resourceId);
    record.activeRun = undefined;
    await this.persist(record);
  }

  private setStatus(
    record: InstanceRecord,
    patch: Partial<Omit<InstanceRecord['status'], 'conditions'>> & {
      conditions?: ResourceCondition[];
    },
  ) {
    const now = new Date().toISOString();
    const { conditions, ...rest } = patch;
    const defined = Object.fromEntries(
      Object.entries(rest).filter(([, value]) => value !== undefined),
    );
    record.status = {
      ...record.status,
      ...defined,
      conditions: setConditions(
        record.status.conditions,
        conditions ?? [],
        now,
      ),
    };
    if (patch.message === undefined && patch.phase !== undefined) {
      delete record.status.message;
    }
    record.updatedAt = now;
  }

  private toDesired(record: InstanceRecord): DesiredResource {
    return {
      resourceId: record.resourceId,
      capability: record.capability,
      name: record.name,
      environment: record.environment,
      owner: record.desired.owner,
      requestedBy: record.desired.requestedBy,
      component: record.desired.component,
      spec: record.desired.spec,
      generation: record.desired.generation,
      version: record.desired.version,
    };
  }

  /**
   * Makes the record's state durable, then publishes it: the platform never
   * hears of a state the engine could lose. The state is taken before the
   * write, so watchers hear of changes in the order they happened. When the
   * write fails the record is requeued (see `reconcile`) until it succeeds.
   */
  private async commit(record: InstanceRecord): Promise<void> {
    const state = toObservedState(record);
    await this.persist(record);
    this.publish(state);
  }

  /**
   * Changes the record and makes the change durable; when the write fails
   * the change is undone (fields someone else changed meanwhile are kept)
   * and the error thrown, so nothing counts as accepted that is not on disk.
   * `change` must replace the fields it changes, not mutate them.
   */
  private async changeDurably(record: InstanceRecord, change: () => void) {
    const fields = [
      'desired',
      'status',
      'deletionRequestedAt',
      'failures',
      'updatedAt',
    ] as const;
    const before = fields.map(field => record[field]);
    change();
    const after = fields.map(field => record[field]);
    const state = toObservedState(record);
    try {
      await this.save(record);
    } catch (error) {
      fields.forEach((field, i) => {
        if (record[field] === after[i]) {
          (record as any)[field] = before[i];
        }
      });
      throw error;
    }
    this.publish(state);
  }

  /** Writes the record, saying that the state folder failed when it did. */
  private async save(record: InstanceRecord): Promise<void> {
    try {
      await this.store.saveInstance(record);
    } catch (error) {
      throw new ServiceUnavailableError(
        `The local engine could not write its state to ${this.store.root}: ${
          (error as Error).message
        }`,
      );
    }
  }

  private async persist(record: InstanceRecord): Promise<void> {
    if (this.stopped || !this.records.has(record.resourceId)) {
      return;
    }
    try {
      await this.save(record);
      this.unsaved.delete(record.resourceId);
    } catch (error) {
      this.unsaved.add(record.resourceId);
      throw error;
    }
  }

  private emitObserved(record: InstanceRecord) {
    this.publish(toObservedState(record));
  }

  /** Tells watchers a state, which `observe` reports from then on. */
  private publish(state: ObservedState) {
    this.published.set(state.resourceId!, state);
    this.emit({ type: 'observed', state });
  }

  /**
   * What `observe` reports: the state last published, which is on disk,
   * never one still being written (it could be lost, and would arrive
   * before the older states still being written).
   */
  private observedState(record: InstanceRecord): ObservedState {
    return this.published.get(record.resourceId) ?? toObservedState(record);
  }

  private emit(change: EngineChange) {
    if (this.stopped) return;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.warn(`A platform engine listener failed: ${error}`);
      }
    }
  }

  private ensureRunning() {
    if (this.stopped) {
      throw new ServiceUnavailableError('The local engine is shutting down');
    }
  }
}

function findVersion(
  capability: CapabilityDefinition,
  version: string,
): CapabilityVersion {
  const found = capability.versions.find(v => v.version === version);
  if (!found) {
    throw new InputError(
      `Capability ${capability.name} has no version ${JSON.stringify(
        version,
      )}; it has ${capability.versions.map(v => v.version).join(', ')}`,
    );
  }
  return found;
}

function describe(record: InstanceRecord): string {
  return `${record.capability} ${record.environment}/${record.name}`;
}

function locationOf(record: InstanceRecord): ResourceLocation {
  return {
    environment: record.environment,
    capability: record.capability,
    name: record.name,
  };
}

function engineRefOf(record: InstanceRecord): EngineObjectRef {
  return {
    id: record.resourceId,
    capability: record.capability,
    name: record.name,
    environment: record.environment,
  };
}

function toObservedState(record: InstanceRecord): ObservedState {
  const { status } = record;
  return {
    resourceId: record.resourceId,
    engineRef: engineRefOf(record),
    phase: status.phase,
    ...(status.message ? { message: status.message } : {}),
    observedGeneration: status.observedGeneration,
    conditions: status.conditions,
    outputs: status.outputs,
    ...(status.appliedVersion ? { appliedVersion: status.appliedVersion } : {}),
  };
}

function toEngineCapability(
  capability: CapabilityDefinition,
): EngineCapability {
  const current = currentVersion(capability);
  return {
    name: capability.name,
    title: current.title,
    description: current.description,
    version: current.version,
    versions: capability.versions.map(v => v.version),
    instanceApiVersion: `${current.api.group}/${current.api.version}`,
    instanceKind: current.api.kind,
    inputSchema: current.inputSchema,
    available: !capability.problem,
    availabilityMessage: capability.problem,
    owner: current.owner,
    tags: current.tags,
    links: current.links,
  };
}

/** The resource as a Kratix resource request, for `/kratix/input/object.yaml`. */
function toKratixObject(
  record: InstanceRecord,
  version: CapabilityVersion,
): JsonObject {
  const annotations: JsonObject = {
    [RESOURCE_ANNOTATIONS.resourceId]: record.resourceId,
    [RESOURCE_ANNOTATIONS.owner]: record.desired.owner,
    [RESOURCE_ANNOTATIONS.requestedBy]: record.desired.requestedBy,
  };
  if (record.desired.component) {
    annotations[RESOURCE_ANNOTATIONS.component] = record.desired.component;
  }
  return {
    apiVersion: `${version.api.group}/${version.api.version}`,
    kind: version.api.kind,
    metadata: {
      name: record.name,
      namespace: record.environment,
      uid: record.resourceId,
      generation: record.desired.generation,
      labels: {
        'app.kubernetes.io/managed-by': 'trellis',
        'kratix.io/promise-name': record.capability,
      },
      annotations,
    },
    spec: record.desired.spec,
    status: {
      ...record.status.outputs,
      observedGeneration: record.status.observedGeneration,
      ...(record.status.appliedVersion
        ? { promiseVersion: record.status.appliedVersion }
        : {}),
    },
  };
}
