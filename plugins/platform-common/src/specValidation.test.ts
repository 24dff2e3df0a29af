import {
  invalidSpecMessage,
  MAX_SPEC_DEPTH,
  nestsDeeperThan,
  specBoundsProblem,
} from './specValidation';

describe('specBoundsProblem', () => {
  it('accepts a small object and words each refusal the same way everywhere', () => {
    expect(specBoundsProblem({ size: 'small' })).toBeUndefined();
    expect(specBoundsProblem(['a'])).toBe('spec: must be an object');
    expect(specBoundsProblem(null)).toBe('spec: must be an object');
    let deep: object = {};
    for (let i = 0; i < 100; i++) deep = { nested: deep };
    expect(specBoundsProblem(deep)).toBe(
      'spec: is nested more than 32 levels deep; the limit is 32 levels of objects and arrays',
    );
    expect(specBoundsProblem({ blob: 'x'.repeat(100) }, { maxBytes: 50 })).toBe(
      'spec: is 111 bytes; the limit is 50 bytes',
    );
  });

  it('measures depth without recursion', () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nestsDeeperThan(deep, MAX_SPEC_DEPTH)).toBe(true);
    expect(nestsDeeperThan({ a: { b: 1 } }, 2)).toBe(false);
  });
});

describe('invalidSpecMessage', () => {
  it('names every offending field once, in the words a user reads', () => {
    expect(
      invalidSpecMessage('local:widget', [
        {
          keyword: 'enum',
          instancePath: '/size',
          params: { allowedValues: ['small', 'large'] },
        },
        {
          keyword: 'additionalProperties',
          instancePath: '',
          params: { additionalProperty: 'colour' },
        },
        {
          keyword: 'required',
          instancePath: '',
          params: { missingProperty: 'name' },
        },
        {
          keyword: 'required',
          instancePath: '',
          params: { missingProperty: 'name' },
        },
        {
          keyword: 'type',
          instancePath: '/replicas',
          params: {},
          message: 'must be integer',
        },
      ]),
    ).toBe(
      'Invalid spec for local:widget: spec.size: must be one of "small", "large"; spec.colour: is not a field of this capability; spec.name: is required; spec.replicas: must be integer',
    );
  });
});
