import { InputError } from '@backstage/errors';
import {
  Capability,
  invalidSpecMessage,
  JsonObject,
  MAX_SPEC_DEPTH,
  nestsDeeperThan,
  specBoundsProblem,
  tooDeepProblem,
  uncompilableSchemaMessage,
} from '@trellis/backstage-plugin-platform-common';
import Ajv, { ValidateFunction } from 'ajv';

// The bounds and the wording are platform-common's, shared with the engines
// that validate a spec themselves (the local engine): one mistake, one message.
export { MAX_SPEC_DEPTH, nestsDeeperThan };

/** The InputError for a value of `field` that nests too deep. */
export function tooDeepError(field: string): InputError {
  return new InputError(tooDeepProblem(field));
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
    const problem = specBoundsProblem(spec);
    if (problem) throw new InputError(problem);
    const validateFn = this.compile(capability);
    const copy = structuredClone(spec) as JsonObject;
    if (!validateFn(copy)) {
      throw new InputError(
        invalidSpecMessage(capability.ref, validateFn.errors ?? []),
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
          uncompilableSchemaMessage(capability.ref, (error as Error).message),
        );
      }
      this.cache.set(key, fn);
    }
    return fn;
  }
}
