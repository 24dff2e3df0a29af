import { ObservedState } from '@trellis/backstage-plugin-platform-node';
import {
  phaseAfterDeleteRequest,
  phaseAfterSpecChange,
  phaseOfObservation,
} from './phases';

const observed = (
  phase: ObservedState['phase'],
  observedGeneration = 1,
): ObservedState => ({
  resourceId: 'r',
  engineRef: { id: 'r' },
  phase,
  observedGeneration,
  conditions: [],
  outputs: {},
});

describe('phase rules', () => {
  const desired = {
    phase: 'Provisioning' as const,
    generation: 2,
    deleting: false,
  };

  it('takes the engine’s phase, but Ready at an older generation is Updating', () => {
    expect(phaseOfObservation(desired, observed('Ready', 2))).toBe('Ready');
    expect(phaseOfObservation(desired, observed('Ready', 1))).toBe('Updating');
    expect(phaseOfObservation(desired, observed('Degraded', 1))).toBe(
      'Degraded',
    );
  });

  it('keeps a resource being deleted Deleting, unless the engine failed it', () => {
    const deleting = { ...desired, deleting: true };
    expect(phaseOfObservation(deleting, observed('Ready', 2))).toBe('Deleting');
    expect(phaseOfObservation(deleting, observed('Failed', 2))).toBe('Failed');
  });

  it('moves settled resources to Updating on a spec change, and leaves ones in progress', () => {
    expect(phaseAfterSpecChange('Ready')).toBe('Updating');
    expect(phaseAfterSpecChange('Failed')).toBe('Updating');
    expect(phaseAfterSpecChange('Pending')).toBe('Pending');
    expect(phaseAfterSpecChange('Provisioning')).toBe('Provisioning');
    expect(phaseAfterSpecChange('Paused')).toBe('Paused');
  });

  it('deletes at once what the engine never heard of', () => {
    expect(phaseAfterDeleteRequest(false)).toBe('Deleted');
    expect(phaseAfterDeleteRequest(true)).toBe('Deleting');
  });
});
