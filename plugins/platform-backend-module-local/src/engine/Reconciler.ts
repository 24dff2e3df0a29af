import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ResourceCondition,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import { CapabilityLoader } from '../capabilities/CapabilityLoader';
import { currentVersion } from '../capabilities/types';
import { GitStateStore } from '../git/GitStateStore';
import { PipelineRunner } from '../pipeline/PipelineRunner';
import { StateStore } from '../state/StateStore';
import { configureWork, DELETE_WORK, InstanceRecord } from '../state/types';
import { Conditions } from './conditions';
import { InstanceRecords } from './InstanceRecords';
import { LogBook } from './LogBook';
import { describe, engineRefOf, locationOf, setStatus } from './mapping';
import { nextAction } from './nextAction';
import { WorkflowRuns } from './WorkflowRuns';
import { WorkQueue } from './WorkQueue';

export interface ReconcilerOptions {
  records: InstanceRecords;
  loader: CapabilityLoader;
  store: StateStore;
  git: GitStateStore;
  runner: PipelineRunner;
  logBook: LogBook;
  logger: LoggerService;
  /** Pipelines that may run at once. */
  concurrency: number;
  retries: {
    /** Retries after a failure before giving up. */
    limit: number;
    initialBackoffMs: number;
    maxBackoffMs: number;
  };
}

/**
 * Brings each instance to its desired state, one instance at a time and
 * at most `concurrency` at once, the way a Kubernetes controller does:
 * runs the configure or delete workflow of the version it should be at,
 * commits the outputs to the state store, and retries failures with
 * backoff.
 */
export class Reconciler {
  private readonly records: InstanceRecords;
  private readonly loader: CapabilityLoader;
  private readonly store: StateStore;
  private readonly git: GitStateStore;
  private readonly logger: LoggerService;
  private readonly queue: WorkQueue;
  private readonly retryLimit: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly runs: WorkflowRuns;
  /** Consecutive unexpected reconcile errors per record, for backoff. */
  private readonly errors = new Map<string, number>();

  constructor(options: ReconcilerOptions) {
    this.records = options.records;
    this.loader = options.loader;
    this.store = options.store;
    this.git = options.git;
    this.runs = new WorkflowRuns(options);
    this.logger = options.logger;
    this.retryLimit = options.retries.limit;
    this.initialBackoffMs = options.retries.initialBackoffMs;
    this.maxBackoffMs = options.retries.maxBackoffMs;
    this.queue = new WorkQueue({
      concurrency: options.concurrency,
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

  /** Cleans up and queues again the runs a crash interrupted, queues every record, and starts. */
  async start(): Promise<void> {
    for (const record of this.records.all()) {
      if (record.activeRun) {
        await this.runs.recover(record);
      }
      this.queue.add(record.resourceId);
    }
    this.queue.start();
  }

  /** Terminates the running steps and waits for the work in progress to end. */
  async stop(): Promise<void> {
    this.runs.abortAll(
      'interrupted: the backend is stopping; the pipeline runs again when it starts',
    );
    await this.queue.stop();
  }

  /** Reconciles the instance soon (once, however often asked meanwhile). */
  enqueue(resourceId: string) {
    this.queue.add(resourceId);
  }

  /** Stops the configure workflow the instance runs, if any. */
  cancelConfigure(record: InstanceRecord, reason: string) {
    this.runs.cancelConfigure(record, reason);
  }

  private async reconcile(resourceId: string): Promise<void> {
    const record = this.records.get(resourceId);
    if (!record || this.records.isStopped) return;
    if (this.records.isUnsaved(resourceId)) {
      // What the engine did is only done once it is on disk.
      await this.records.commit(record);
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
    const result = await this.runs.run(
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
        await this.records.persist(record); // a delete takes over from here
        return;
      }
      if (result.outcome === 'failed') {
        await this.recordFailure(record, work, {
          message: result.message,
          observedGeneration: generation,
          conditions: [Conditions.configureFailed(result.pipeline)],
          permanent: result.permanent,
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
      if (this.records.isStopped) return;
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
      setStatus(record, {
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
      await this.records.commit(record);
    } finally {
      if (!this.records.isStopped)
        await this.store.removeRunDirs(record.resourceId);
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
    const result = await this.runs.run(record, 'delete', capability, version, {
      phase: 'Deleting',
      message: 'Running the delete workflow',
      conditions: [Conditions.deleteRunning()],
    });
    if (!result) return;
    try {
      if (result.outcome === 'cancelled') {
        await this.records.persist(record);
        return;
      }
      if (result.outcome === 'failed') {
        await this.recordFailure(record, DELETE_WORK, {
          phase: 'Deleting',
          message: result.message,
          conditions: [Conditions.deleteFailed(result.pipeline)],
          permanent: result.permanent,
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
      if (this.records.isStopped) return;
      await this.records.remove(record);
      this.records.emit({
        type: 'deleted',
        resource: {
          resourceId: record.resourceId,
          engineRef: engineRefOf(record),
        },
      });
    } finally {
      if (!this.records.isStopped)
        await this.store.removeRunDirs(record.resourceId);
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
      /** Retrying cannot help (the step said so): Failed at once. */
      permanent?: boolean;
    },
  ) {
    if (this.records.isStopped) return;
    const count =
      (record.failures?.work === work ? record.failures.count : 0) + 1;
    const { permanent } = failure;
    const retrying = !permanent && count <= this.retryLimit;
    const delayMs = Math.min(
      this.initialBackoffMs * 2 ** (count - 1),
      this.maxBackoffMs,
    );
    const retryAt = retrying ? new Date(Date.now() + delayMs) : undefined;
    record.failures = {
      work,
      count,
      retryAt: retryAt?.toISOString(),
      ...(permanent ? { permanent } : {}),
    };
    let retryNote = `Failing; gave up after ${count} attempts`;
    if (retryAt) {
      retryNote = `Failing; retry ${count} of ${
        this.retryLimit
      } at ${retryAt.toISOString()}`;
    } else if (permanent) {
      retryNote =
        'Failing; not retried: the step reported that retrying cannot help';
    }
    setStatus(record, {
      phase: retrying ? failure.phase ?? 'Failed' : 'Failed',
      message: failure.message,
      observedGeneration: failure.observedGeneration,
      conditions: [
        ...failure.conditions,
        Conditions.reconcileFailing(retryNote),
      ],
    });
    await this.records.commit(record);
    if (retrying) {
      this.queue.addAfter(record.resourceId, delayMs);
    }
  }
}
