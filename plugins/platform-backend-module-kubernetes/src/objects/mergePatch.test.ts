import { applyMergePatch, threeWayMergePatch } from './mergePatch';

describe('threeWayMergePatch', () => {
  it('sets desired fields and removes only fields applied before', () => {
    const lastApplied = {
      size: 'small',
      tls: { enabled: true, issuer: 'a' },
      extra: 1,
    };
    const desired = { size: 'large', tls: { enabled: true } };
    const live = {
      ...lastApplied,
      // Written by Crossplane, never applied by the engine.
      resourceRef: { name: 'x-1' },
    };

    const patch = threeWayMergePatch(lastApplied, desired);

    expect(patch).toEqual({
      size: 'large',
      tls: { enabled: true, issuer: null },
      extra: null,
    });
    expect(applyMergePatch(live, patch)).toEqual({
      size: 'large',
      tls: { enabled: true },
      resourceRef: { name: 'x-1' },
    });
  });

  it('only adds when nothing was applied before', () => {
    expect(threeWayMergePatch(undefined, { size: 'small' })).toEqual({
      size: 'small',
    });
  });
});
