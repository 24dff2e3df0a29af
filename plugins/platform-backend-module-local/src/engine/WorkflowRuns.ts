import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ResourceCondition,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import { randomUUID } from 'node:crypto';
import { CapabilityDefinition, CapabilityVersion } from '../capabilities/types';
import { PipelineRunner, WorkflowResult } from '../pipeline/PipelineRunner';
import { killOrphanedStep } from '../pipeline/processes';
import { StateStore } from '../state/StateStore';
import { InstanceRecord } from '../state/types';
import { InstanceRecords } from './InstanceRecords';
import { LogBook } from './LogBook';
import { describe, setStatus, toKratixObject } from './mapping';

export type WorkflowAction = 'configure' | 'delete';

/** What a run shows while it starts. */
export interface RunStart {
  phase: ResourcePhase;
  message: string;
  conditions: ResourceCondition[];
}

/**
 * The pipeline runs of instances: each recorded durably before a process
 * starts (so that a crash leaves a trace to recover from), its logs kept
 * in the log book, and cancellable while it runs.
 */
export class WorkflowRuns {
  private readonly running = new Map<string, AbortController>();

  private readonly records: InstanceRecords;
  private readonly store: StateStore;
  private readonly runner: PipelineRunner;
  private readonly logBook: LogBook;
  private readonly logger: LoggerService;

  constructor(options: {
    records: InstanceRecords;
    store: StateStore;
    runner: PipelineRunner;
    logBook: LogBook;
    logger: LoggerService;
  }) {
    this.records = options.records;
    this.store = options.store;
    this.runner = options.runner;
    this.logBook = options.logBook;
    this.logger = options.logger;
  }

  /** Stops the configure workflow the instance runs, if any. */
  cancelConfigure(record: InstanceRecord, reason: string) {
    if (record.activeRun?.action === 'configure') {
      this.running.get(record.resourceId)?.abort(new Error(reason));
    }
  }

  /** Terminates every running step. */
  abortAll(reason: string) {
    for (const controller of this.running.values()) {
      controller.abort(new Error(reason));
    }
  }

  /**
   * Records that a run starts (durably, before any process does, so a crash
   * leaves a trace), runs the workflow and returns its result, or undefined
   * when the engine stopped meanwhile.
   */
  async run(
    record: InstanceRecord,
    action: WorkflowAction,
    capability: CapabilityDefinition,
    version: CapabilityVersion,
    starting: RunStart,
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
    setStatus(record, starting);
    try {
      await this.records.commit(record);
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
              this.records.persist(record).catch(() => {});
            }
          },
        },
      });
      if (this.records.isStopped) return undefined;
      record.activeRun = undefined;
      return result;
    } finally {
      this.running.delete(resourceId);
      await this.logBook.endRun(resourceId);
    }
  }

  /** Cleans up after a run a crash interrupted, so that it runs again. */
  async recover(record: InstanceRecord) {
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
    await this.records.persist(record);
  }
}
