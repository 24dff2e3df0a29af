import { ResourcePhase } from '@trellis/backstage-plugin-platform-common';
import { ObservedState } from '@trellis/backstage-plugin-platform-node';

/** What the platform knows of a resource when the engine reports on it. */
export interface DesiredState {
  phase: ResourcePhase;
  /** The generation of the spec the platform accepted last. */
  generation: number;
  /** A delete is owed to, or being carried out by, the engine. */
  deleting: boolean;
}

/**
 * The phase that follows from an observation: what the engine reports,
 * adjusted for what the platform knows. A resource being deleted is
 * Deleting (unless the engine failed it); one the engine reports Ready at an
 * older generation than the platform accepted is Updating.
 */
export function phaseOfObservation(
  desired: DesiredState,
  observed: ObservedState,
): ResourcePhase {
  if (desired.deleting && observed.phase !== 'Failed') return 'Deleting';
  if (
    observed.phase === 'Ready' &&
    (observed.observedGeneration ?? 0) < desired.generation
  ) {
    return 'Updating';
  }
  return observed.phase;
}

/**
 * The phase after a spec change was accepted: a settled resource (a failed
 * one too) now waits for the engine to reconcile the new generation; one
 * still being created, or paused, keeps its phase.
 */
export function phaseAfterSpecChange(phase: ResourcePhase): ResourcePhase {
  return phase === 'Pending' || phase === 'Provisioning' || phase === 'Paused'
    ? phase
    : 'Updating';
}

/**
 * The phase once a delete was requested: a resource the engine never heard
 * of is gone at once, others are Deleting until the engine says so.
 */
export function phaseAfterDeleteRequest(everApplied: boolean): ResourcePhase {
  return everApplied ? 'Deleting' : 'Deleted';
}
