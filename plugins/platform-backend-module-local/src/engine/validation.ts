import { InputError } from '@backstage/errors';
import {
  invalidSpecMessage,
  JsonObject,
  specBoundsProblem,
  uncompilableSchemaMessage,
} from '@trellis/backstage-plugin-platform-common';
import { DesiredResource } from '@trellis/backstage-plugin-platform-node';
import Ajv, { ValidateFunction } from 'ajv';
import { CapabilityVersion } from '../capabilities/types';
import { assertDnsLabel, assertResourceId } from '../state/paths';

const MAX_REF_LENGTH = 512;

const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  // CRD schemas are OpenAPI: they carry formats such as int32 and
  // x-kubernetes-* keywords that JSON Schema does not know.
  strict: false,
  validateFormats: false,
});
const validators = new WeakMap<CapabilityVersion, ValidateFunction>();

/**
 * Checks what `apply` receives before anything touches the disk: names that
 * become folder names must be DNS labels, the spec must be a bounded JSON
 * object that matches the capability's schema. Returns the spec with the
 * schema's defaults applied.
 */
export function validateDesired(
  desired: DesiredResource,
  version: CapabilityVersion,
  limits: { maxSpecBytes: number },
): JsonObject {
  assertResourceId(desired.resourceId);
  assertDnsLabel('name', desired.name);
  assertDnsLabel('environment', desired.environment);
  if (!Number.isSafeInteger(desired.generation) || desired.generation < 1) {
    throw new InputError(
      `Invalid generation ${JSON.stringify(
        desired.generation,
      )}: must be a positive integer`,
    );
  }
  for (const field of ['owner', 'requestedBy', 'component'] as const) {
    const value = desired[field];
    if (
      value !== undefined &&
      (typeof value !== 'string' || value.length > MAX_REF_LENGTH)
    ) {
      throw new InputError(
        `Invalid ${field}: must be an entity ref of at most ${MAX_REF_LENGTH} characters`,
      );
    }
  }
  // The bounds and the wording are platform-common's, the same the platform
  // backend uses: one message for one mistake, wherever it is caught.
  const spec = desired.spec;
  const problem = specBoundsProblem(spec, { maxBytes: limits.maxSpecBytes });
  if (problem) {
    throw new InputError(problem);
  }
  let validate = validators.get(version);
  if (!validate) {
    try {
      validate = ajv.compile(version.inputSchema);
    } catch (error) {
      throw new InputError(
        uncompilableSchemaMessage(
          `local:${desired.capability}`,
          `${(error as Error).message} (version ${version.version})`,
        ),
      );
    }
    validators.set(version, validate);
  }
  const withDefaults = structuredClone(spec);
  if (!validate(withDefaults)) {
    throw new InputError(
      invalidSpecMessage(`local:${desired.capability}`, validate.errors ?? []),
    );
  }
  return withDefaults;
}
