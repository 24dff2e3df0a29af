import { InputError } from '@backstage/errors';
import { JsonObject } from '@trellis/backstage-plugin-platform-common';
import { DesiredResource } from '@trellis/backstage-plugin-platform-node';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { CapabilityVersion } from '../capabilities/types';
import { assertDnsLabel, assertResourceId } from '../state/paths';

const MAX_DEPTH = 32;
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

function depthOf(value: unknown, depth = 0): number {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) {
    return depth;
  }
  let max = depth;
  for (const child of Object.values(value)) {
    max = Math.max(max, depthOf(child, depth + 1));
    if (max > MAX_DEPTH) break;
  }
  return max;
}

function describe(error: ErrorObject): string {
  const field = `spec${error.instancePath.replace(/\//g, '.')}`;
  if (error.keyword === 'enum') {
    return `${field} must be one of ${(
      error.params.allowedValues as unknown[]
    ).join(', ')}`;
  }
  if (error.keyword === 'additionalProperties') {
    return `${field} must not have the property ${error.params.additionalProperty}`;
  }
  return `${field} ${error.message}`;
}

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
  const spec = desired.spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new InputError('Invalid spec: must be an object');
  }
  const bytes = Buffer.byteLength(JSON.stringify(spec), 'utf8');
  if (bytes > limits.maxSpecBytes) {
    throw new InputError(
      `The spec is ${Math.ceil(
        bytes / 1024,
      )} KiB; the local engine accepts at most ${Math.floor(
        limits.maxSpecBytes / 1024,
      )} KiB`,
    );
  }
  if (depthOf(spec) > MAX_DEPTH) {
    throw new InputError(
      `The spec is nested more than ${MAX_DEPTH} levels deep`,
    );
  }
  let validate = validators.get(version);
  if (!validate) {
    try {
      validate = ajv.compile(version.inputSchema);
    } catch (error) {
      throw new InputError(
        `The capability's input schema (version ${
          version.version
        }) is invalid: ${(error as Error).message}`,
      );
    }
    validators.set(version, validate);
  }
  const withDefaults = structuredClone(spec);
  if (!validate(withDefaults)) {
    throw new InputError(
      `Invalid spec: ${(validate.errors ?? []).map(describe).join('; ')}`,
    );
  }
  return withDefaults;
}
