import {
  ResourceCondition,
  ResourceOutputs,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';

/** What the engine makes of one object's status, before adding identity. */
export interface NormalizedStatus {
  phase: ResourcePhase;
  message?: string;
  conditions: ResourceCondition[];
  outputs: ResourceOutputs;
  /** The capability version the instance runs at, when the engine says. */
  appliedVersion?: string;
  /** Whether the controller has seen the object's current spec (`metadata.generation`). */
  generationObserved: boolean;
}
