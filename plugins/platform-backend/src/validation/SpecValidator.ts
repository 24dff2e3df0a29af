import { InputError } from '@backstage/errors';
import {
  Capability,
  JsonObject,
} from '@trellis/backstage-plugin-platform-common';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';

/** Requests larger than this are refused before validation. */
export const MAX_SPEC_BYTES = 256 * 1024;

/**
 * Objects and arrays may nest this deep in a spec (`spec: {}` is one level).
 * Deeper values are refused before anything recurses over them.
 */
export const MAX_SPEC_DEPTH = 32;

/**
 * Whether `value` nests objects and arrays more than `limit` levels deep.
 * Iterative, so that any depth can be measured without exhausting the stack.
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

/** The InputError for a value of `field` that nests too deep. */
export function tooDeepError(field: string): InputError {
  return new InputError(
    `${field}: is nested more than ${MAX_SPEC_DEPTH} levels deep; the limit is ${MAX_SPEC_DEPTH} levels of objects and arrays`,
  );
}

function fieldOf(error: ErrorObject): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required')
    path.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties')
    path.push(String(error.params.additionalProperty));
  return ['spec', ...path].join('.');
}

function describe(error: ErrorObject): string {
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
 * Validates request specs against capability input schemas (compiled once per
 * schema) and applies the schema's defaults. Errors name the offending field.
 */
export class SpecValidator {
  private readonly ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: false,
    coerceTypes: false,
  });
  private readonly cache = new Map<string, ValidateFunction>();

  /** Returns a copy of `spec` with defaults applied, or throws InputError. */
  validate(capability: Capability, input: unknown): JsonObject {
    const spec = input ?? {};
    if (typeof spec !== 'object' || Array.isArray(spec)) {
      throw new InputError('spec: must be an object');
    }
    if (nestsDeeperThan(spec, MAX_SPEC_DEPTH)) throw tooDeepError('spec');
    const size = Buffer.byteLength(JSON.stringify(spec), 'utf8');
    if (size > MAX_SPEC_BYTES) {
      throw new InputError(
        `spec: is ${size} bytes; the limit is ${MAX_SPEC_BYTES} bytes`,
      );
    }
    const validateFn = this.compile(capability);
    const copy = structuredClone(spec) as JsonObject;
    if (!validateFn(copy)) {
      const problems = (validateFn.errors ?? []).map(
        e => `${fieldOf(e)}: ${describe(e)}`,
      );
      throw new InputError(
        `Invalid spec for ${capability.ref}: ${[...new Set(problems)].join(
          '; ',
        )}`,
      );
    }
    return copy;
  }

  private compile(capability: Capability): ValidateFunction {
    const key = `${capability.ref}@${capability.version}:${JSON.stringify(
      capability.inputSchema,
    )}`;
    let fn = this.cache.get(key);
    if (!fn) {
      try {
        fn = this.ajv.compile({ type: 'object', ...capability.inputSchema });
      } catch (error) {
        throw new InputError(
          `Capability ${
            capability.ref
          } has an input schema that cannot be compiled: ${
            (error as Error).message
          }`,
        );
      }
      this.cache.set(key, fn);
    }
    return fn;
  }
}
