import {
  JsonObject,
  PipelineLog,
  ResourceOutputs,
} from '@trellis/backstage-plugin-platform-common';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  CapabilityVersion,
  PipelineDefinition,
  StepDefinition,
} from '../capabilities/types';
import { resolveInside } from '../state/paths';
import { BoundedLog } from './BoundedLog';
import { ProcessResult, runProcess } from './processes';
import { readStatusFile } from './statusFile';
import {
  PipelineFolders,
  SecretLookup,
  stepEnvironment,
} from './stepEnvironment';

/** What one pipeline may write to its output folder. */
const MAX_OUTPUT_FILES = 1000;
const MAX_OUTPUT_BYTES = 10 * 1024 * 1024;

export interface PipelineRunnerOptions {
  stepTimeoutMs: number;
  /** Per step; longer output keeps its beginning and end. */
  maxLogCharacters: number;
  secrets: SecretLookup;
  /** Non-secret variables every step gets, e.g. where the backend serves repositories. */
  sharedEnv?: Record<string, string>;
}

/** Receives the logs of the steps as they start and end. */
export interface StepLogListener {
  stepStarted(step: {
    pipeline: string;
    step: string;
    startedAt: string;
    /** The output so far, for logs read while the step runs. */
    output(): string;
  }): void;
  stepFinished(log: PipelineLog): void;
  /** The pid of the running step, so a crash can be cleaned up after. */
  processStarted(pid: number): void;
}

export interface WorkflowRequest {
  runId: string;
  action: 'configure' | 'delete';
  capability: string;
  version: CapabilityVersion;
  pipelines: PipelineDefinition[];
  /** The resource as a Kratix resource request, for `object.yaml`. */
  object: JsonObject;
  /** An empty folder for this run, inside the engine's state folder. */
  runDir: string;
  /** The capability's persistent folder, for what its steps create. */
  dataDir: string;
  signal: AbortSignal;
  logs: StepLogListener;
}

export type WorkflowResult =
  | {
      outcome: 'succeeded';
      message?: string;
      outputs: ResourceOutputs;
      /** Each pipeline's `/kratix/output` folder, for the state store. */
      outputDirs: Array<{ pipeline: string; dir: string }>;
    }
  | {
      outcome: 'failed';
      pipeline: string;
      step: string;
      message: string;
      /** The step said that retrying cannot help (see `statusFile.ts`). */
      permanent?: boolean;
    }
  | { outcome: 'cancelled' };

type PipelineResult =
  | { outcome: 'succeeded'; message?: string; outputs: ResourceOutputs }
  | { outcome: 'failed'; step: string; message: string; permanent?: boolean }
  | { outcome: 'cancelled' };

/**
 * Runs a workflow the way Kratix runs it, with local processes in place of
 * containers: pipelines one after the other, the steps of a pipeline one
 * after the other over shared input, output and metadata folders, and the
 * status each pipeline reports merged into the object the next one reads.
 */
export class PipelineRunner {
  constructor(private readonly options: PipelineRunnerOptions) {}

  async run(request: WorkflowRequest): Promise<WorkflowResult> {
    const outputs: ResourceOutputs = {};
    const outputDirs: Array<{ pipeline: string; dir: string }> = [];
    let message: string | undefined;
    const object = structuredClone(request.object);
    for (const pipeline of request.pipelines) {
      const folders = await this.prepareFolders(request.runDir, pipeline.name);
      await writeFile(
        join(folders.input, 'object.yaml'),
        stringify(object),
        'utf8',
      );
      const result = await this.runPipeline(request, pipeline, folders);
      if (result.outcome !== 'succeeded') {
        return result.outcome === 'failed'
          ? { ...result, pipeline: pipeline.name }
          : result;
      }
      Object.assign(outputs, result.outputs);
      message = result.message ?? message;
      object.status = {
        ...((object.status as JsonObject | undefined) ?? {}),
        ...result.outputs,
        ...(message ? { message } : {}),
      };
      outputDirs.push({ pipeline: pipeline.name, dir: folders.output });
    }
    return { outcome: 'succeeded', message, outputs, outputDirs };
  }

  private async prepareFolders(
    runDir: string,
    pipeline: string,
  ): Promise<PipelineFolders> {
    const base = resolveInside(runDir, pipeline);
    const folders: PipelineFolders = {
      input: join(base, 'input'),
      output: join(base, 'output'),
      metadata: join(base, 'metadata'),
      home: join(base, 'home'),
      tmp: join(base, 'tmp'),
    };
    for (const dir of Object.values(folders)) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    }
    return folders;
  }

  private async runPipeline(
    request: WorkflowRequest,
    pipeline: PipelineDefinition,
    folders: PipelineFolders,
  ): Promise<PipelineResult> {
    const statusFile = join(folders.metadata, 'status.yaml');
    for (const step of pipeline.steps) {
      const result = await this.runStep(request, pipeline.name, step, {
        folders,
        statusFile,
      });
      if (result.outcome !== 'succeeded') {
        return result;
      }
    }
    const problem = await checkOutputFolder(folders.output);
    if (problem) {
      return {
        outcome: 'failed',
        step: pipeline.steps[pipeline.steps.length - 1].name,
        message: problem,
      };
    }
    const status = await readStatusFile(statusFile);
    return {
      outcome: 'succeeded',
      message: status.message,
      outputs: status.outputs,
    };
  }

  private async runStep(
    request: WorkflowRequest,
    pipeline: string,
    step: StepDefinition,
    paths: { folders: PipelineFolders; statusFile: string },
  ): Promise<PipelineResult> {
    const startedAt = new Date();
    let environment: ReturnType<typeof stepEnvironment> | undefined;
    let setupProblem: string | undefined;
    try {
      const metadata = request.object.metadata as JsonObject;
      environment = stepEnvironment(
        {
          action: request.action,
          capability: request.capability,
          capabilityVersion: request.version.version,
          pipeline,
          api: request.version.api,
          objectName: String(metadata.name),
          objectNamespace: String(metadata.namespace),
          folders: paths.folders,
          dataDir: request.dataDir,
          runId: request.runId,
          sharedEnv: this.options.sharedEnv,
        },
        step.env,
        this.options.secrets,
      );
    } catch (error) {
      setupProblem = (error as Error).message;
    }
    const log = new BoundedLog(
      this.options.maxLogCharacters,
      environment?.secretValues,
    );
    request.logs.stepStarted({
      pipeline,
      step: step.name,
      startedAt: startedAt.toISOString(),
      output: () => log.toString(),
    });
    const finish = (status: PipelineLog['status'], note: string) => {
      const seconds = ((Date.now() - startedAt.getTime()) / 1000).toFixed(1);
      log.append(`[engine] ${note} (${seconds} s)\n`);
      request.logs.stepFinished({
        pipeline,
        step: step.name,
        status,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        output: log.toString(),
      });
    };
    if (!environment) {
      finish('Failed', `could not start: ${setupProblem}`);
      return { outcome: 'failed', step: step.name, message: setupProblem! };
    }

    log.append(`[engine] $ ${step.argv.join(' ')}\n`);
    const statusBefore = await readFileOrUndefined(paths.statusFile);
    const result = await runProcess({
      argv: step.argv,
      cwd: step.workingDir,
      env: environment.env,
      timeoutMs: this.options.stepTimeoutMs,
      signal: request.signal,
      onStart: pid => request.logs.processStarted(pid),
      onOutput: text => log.append(text),
    });
    const statusChanged =
      (await readFileOrUndefined(paths.statusFile)) !== statusBefore;
    const reported = statusChanged
      ? await readStatusFile(paths.statusFile)
      : undefined;
    for (const dropped of reported?.dropped ?? []) {
      log.append(`[engine] status.yaml: ignored ${dropped}\n`);
    }

    if (result.kind === 'cancelled') {
      const reason: unknown = request.signal.reason;
      finish(
        'Cancelled',
        reason instanceof Error ? reason.message : 'cancelled',
      );
      return { outcome: 'cancelled' };
    }
    if (result.kind === 'exited' && result.code === 0) {
      finish('Succeeded', 'exited with code 0');
      return { outcome: 'succeeded', outputs: {} };
    }
    const reason = describeFailure(result, this.options.stepTimeoutMs);
    finish('Failed', reason);
    return {
      outcome: 'failed',
      step: step.name,
      message: reported?.message ?? log.lastLine() ?? `The step ${reason}`,
      ...(reported?.permanent ? { permanent: true } : {}),
    };
  }
}

function describeFailure(result: ProcessResult, timeoutMs: number): string {
  switch (result.kind) {
    case 'exited':
      return `exited with code ${result.code}`;
    case 'signalled':
      return `was killed by ${result.signal}`;
    case 'timedOut':
      return `timed out after ${timeoutMs / 1000} s`;
    case 'notStarted':
      return result.message;
    default:
      return result.kind;
  }
}

async function readFileOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Refuses outputs that are too big to commit. Symlinks and special files
 * are never followed or copied (see GitStateStore), so a step cannot make
 * the engine read outside its folder.
 */
async function checkOutputFolder(dir: string): Promise<string | undefined> {
  let files = 0;
  let bytes = 0;
  const walk = async (folder: string): Promise<string | undefined> => {
    for (const entry of await readdir(folder)) {
      const path = join(folder, entry);
      const info = await lstat(path);
      if (info.isDirectory()) {
        const problem = await walk(path);
        if (problem) return problem;
      } else if (info.isFile()) {
        files += 1;
        bytes += info.size;
        if (files > MAX_OUTPUT_FILES || bytes > MAX_OUTPUT_BYTES) {
          return `The pipeline wrote more than ${MAX_OUTPUT_FILES} files or ${
            MAX_OUTPUT_BYTES / 1024 / 1024
          } MiB to its output folder`;
        }
      }
    }
    return undefined;
  };
  return walk(dir);
}
