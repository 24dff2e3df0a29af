/**
 * The bounds and the wording of request spec validation, shared by the
 * platform backend and the engines that validate a spec themselves (the
 * local engine), so that a user sees the same message for the same mistake
 * wherever it is caught. Schema validation itself (Ajv) stays in the
 * backend packages; this module only bounds the input and words the errors.
 */

/** Specs larger than this (JSON, UTF-8) are refused before validation. @public */
export const MAX_SPEC_BYTES = 256 * 1024;

/**
 * Objects and arrays may nest this deep in a spec (`spec: {}` is one level).
 * Deeper values are refused before anything recurses over them.
 * @public
 */
export const MAX_SPEC_DEPTH = 32;

/**
 * Whether `value` nests objects and arrays more than `limit` levels deep.
 * Iterative, so that any depth can be measured without exhausting the stack.
 * @public
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) {
      if (child !== null && typeof child === 'object') {
        pending.push([child, depth + 1]);
      }
    }
  }
  return false;
}

/** The problem with a value of `field` that nests too deep. @public */
export function tooDeepProblem(field: string): string {
  return `${field}: is nested more than ${MAX_SPEC_DEPTH} levels deep; the limit is ${MAX_SPEC_DEPTH} levels of objects and arrays`;
}

/**
 * What is wrong with the shape and size of a spec before its schema is
 * checked, or undefined: it must be an object, nest at most
 * {@link MAX_SPEC_DEPTH} levels and take at most `maxBytes` as JSON.
 * @public
 */
export function specBoundsProblem(
  spec: unknown,
  options: { maxBytes?: number } = {},
): string | undefined {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    return 'spec: must be an object';
  }
  if (nestsDeeperThan(spec, MAX_SPEC_DEPTH)) {
    return tooDeepProblem('spec');
  }
  const maxBytes = options.maxBytes ?? MAX_SPEC_BYTES;
  const size = new TextEncoder().encode(JSON.stringify(spec)).length;
  if (size > maxBytes) {
    return `spec: is ${size} bytes; the limit is ${maxBytes} bytes`;
  }
  return undefined;
}

/**
 * A schema validation error, in the shape Ajv reports it.
 * @public
 */
export type SpecSchemaError = {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
};

function fieldOf(error: SpecSchemaError): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') {
    path.push(String(error.params.missingProperty));
  }
  if (error.keyword === 'additionalProperties') {
    path.push(String(error.params.additionalProperty));
  }
  return ['spec', ...path].join('.');
}

function describeError(error: SpecSchemaError): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a field of this capability';
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[])
        .map(v => JSON.stringify(v))
        .join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/**
 * The message for a spec its capability's schema refused, naming every
 * offending field once: `Invalid spec for kratix:postgresql: spec.size: must
 * be one of "small", "large"; spec.colour: is not a field of this capability`.
 * @public
 */
export function invalidSpecMessage(
  capabilityRef: string,
  errors: readonly SpecSchemaError[],
): string {
  const problems = errors.map(e => `${fieldOf(e)}: ${describeError(e)}`);
  return `Invalid spec for ${capabilityRef}: ${[...new Set(problems)].join(
    '; ',
  )}`;
}

/** The message for a capability whose input schema cannot be compiled. @public */
export function uncompilableSchemaMessage(
  capabilityRef: string,
  problem: string,
): string {
  return `Capability ${capabilityRef} has an input schema that cannot be compiled: ${problem}`;
}
