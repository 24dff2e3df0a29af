import {
  JsonObject,
  ResourceCondition,
  ResourceOutputs,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';

/** The pipeline run an instance is in, recorded before it starts. */
export interface ActiveRun {
  id: string;
  action: 'configure' | 'delete';
  generation: number;
  version: string;
  startedAt: string;
  /** The running step's process (group leader), to clean up after a crash. */
  pid?: number;
}

/**
 * Everything the engine knows about one instance, desired and observed, as
 * kept on disk (one JSON file per instance).
 */
export interface InstanceRecord {
  resourceId: string;
  capability: string;
  name: string;
  environment: string;
  desired: {
    owner: string;
    requestedBy: string;
    component?: string;
    spec: JsonObject;
    generation: number;
    /** The capability version the instance should be at. */
    version: string;
  };
  /** Set once a delete was requested; the instance is then only deleted. */
  deletionRequestedAt?: string;
  status: {
    phase: ResourcePhase;
    message?: string;
    observedGeneration: number;
    /** The version of the last successful configure. */
    appliedVersion?: string;
    conditions: ResourceCondition[];
    outputs: ResourceOutputs;
  };
  /** `<generation>@<version>` of the last successful configure. */
  reconciled?: string;
  /**
   * Consecutive failures of the current work and when to retry; none
   * after a permanent failure (one the step said retrying cannot help).
   */
  failures?: {
    work: string;
    count: number;
    retryAt?: string;
    permanent?: boolean;
  };
  activeRun?: ActiveRun;
  createdAt: string;
  updatedAt: string;
}

/** Identifies the work a configure does: a generation at a version. */
export function configureWork(record: InstanceRecord): string {
  return `${record.desired.generation}@${record.desired.version}`;
}

/** The work key of a delete. */
export const DELETE_WORK = 'delete';
