import { isResourcePhase, RESOURCE_PHASES } from './phases';

describe('isResourcePhase', () => {
  it('accepts every phase of the vocabulary', () => {
    for (const phase of RESOURCE_PHASES) {
      expect(isResourcePhase(phase)).toBe(true);
    }
  });

  it('rejects unknown, differently cased and non-string values', () => {
    expect(isResourcePhase('ready')).toBe(false);
    expect(isResourcePhase('Running')).toBe(false);
    expect(isResourcePhase(undefined)).toBe(false);
    expect(isResourcePhase(3)).toBe(false);
  });
});
