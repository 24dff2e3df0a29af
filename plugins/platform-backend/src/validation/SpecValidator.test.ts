import { InputError } from '@backstage/errors';
import { Capability } from '@trellis/backstage-plugin-platform-common';
import {
  MAX_SPEC_DEPTH,
  nestsDeeperThan,
  SpecValidator,
} from './SpecValidator';

const capability = {
  ref: 'memory:queue',
  version: '1.0.0',
  inputSchema: { type: 'object', properties: { settings: {} } },
} as unknown as Capability;

/** `{ a: { a: … {} … } }`, `levels` objects deep. */
function nested(levels: number) {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

describe('SpecValidator', () => {
  // In-process callers (scaffolder actions, MCP actions) reach the validator
  // without the HTTP body checks in front of it.
  it('refuses a spec nested deeper than the limit, naming spec, at any depth', () => {
    const validator = new SpecValidator();
    for (const levels of [MAX_SPEC_DEPTH + 1, 10_000, 100_000]) {
      expect(() => validator.validate(capability, nested(levels))).toThrow(
        new InputError(
          `spec: is nested more than ${MAX_SPEC_DEPTH} levels deep; the limit is ${MAX_SPEC_DEPTH} levels of objects and arrays`,
        ),
      );
    }
    expect(validator.validate(capability, nested(MAX_SPEC_DEPTH))).toEqual(
      nested(MAX_SPEC_DEPTH),
    );
  });

  it('counts arrays and objects alike, and scalars not at all', () => {
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({ a: 1, b: 'x', c: null }, 1)).toBe(false);
    expect(nestsDeeperThan({ a: [] }, 1)).toBe(true);
    expect(nestsDeeperThan([[[]]], 3)).toBe(false);
    expect(nestsDeeperThan([[[]]], 2)).toBe(true);
    // The deepest branch counts, wherever it is.
    const deepInB = { a: {}, b: { c: [{ d: {} }] } }; // body, b, c, [0], d
    expect(nestsDeeperThan(deepInB, 5)).toBe(false);
    expect(nestsDeeperThan(deepInB, 4)).toBe(true);
  });
});
