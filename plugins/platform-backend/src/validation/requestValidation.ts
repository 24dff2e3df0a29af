import {
  makeValidator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  Capability,
  CreateResourceRequest,
  CreateRolloutRequest,
  dnsLabelProblem,
  isResourcePhase,
  ListResourcesQuery,
  UpdateResourceRequest,
} from '@trellis/backstage-plugin-platform-common';

/**
 * The checks of API requests that the OpenAPI router cannot make for
 * in-process callers (the scaffolder actions, the catalog module): each
 * throws an InputError that names the field.
 */

export const MAX_WAVE_SIZE = 1000;
export const MAX_PAUSE_SECONDS = 7 * 24 * 3600;
const MAX_PAGE_SIZE = 500;
const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** The catalog's own rules for kinds, namespaces and names. */
const entityRefParts = makeValidator();

function entityRefProblem(value: unknown, kind: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'is required';
  const expected = `must be an entity ref such as ${kind}:default/name`;
  let ref: { kind: string; namespace: string; name: string };
  try {
    ref = parseEntityRef(value, {
      defaultKind: kind,
      defaultNamespace: 'default',
    });
  } catch (error) {
    return expected;
  }
  if (!entityRefParts.isValidKind(ref.kind)) {
    return `${expected}; its kind is not valid`;
  }
  if (!entityRefParts.isValidNamespace(ref.namespace)) {
    return `${expected}; its namespace is not valid`;
  }
  if (!entityRefParts.isValidEntityName(ref.name)) {
    return `${expected}; its name is not valid (letters and digits, with - _ . between them, at most 63 characters)`;
  }
  return undefined;
}

/** `value` as a full, lower-case entity ref of `kind` (default namespace). */
export function normalizeEntityRef(value: string, kind: string): string {
  // toLowerCase: locale-independent, as 'en-US', without a locale lookup.
  return stringifyEntityRef(
    parseEntityRef(value, { defaultKind: kind, defaultNamespace: 'default' }),
  ).toLowerCase();
}

/** The fields of a create request that need no capability to check. */
export function checkCreateRequest(request: CreateResourceRequest): void {
  if (typeof request !== 'object' || request === null) {
    throw new InputError('The request body must be a JSON object');
  }
  const problems: string[] = [];
  const nameProblem = dnsLabelProblem(request.name);
  if (nameProblem) problems.push(`name: ${nameProblem}`);
  const envProblem = dnsLabelProblem(request.environment);
  if (envProblem) problems.push(`environment: ${envProblem}`);
  const ownerProblem = entityRefProblem(request.owner, 'group');
  if (ownerProblem) problems.push(`owner: ${ownerProblem}`);
  if (request.component !== undefined && request.component !== null) {
    const componentProblem = entityRefProblem(request.component, 'component');
    if (componentProblem) problems.push(`component: ${componentProblem}`);
  }
  if (typeof request.capabilityRef !== 'string' || !request.capabilityRef) {
    problems.push('capabilityRef: is required');
  }
  if (problems.length) throw new InputError(problems.join('; '));
}

/** The version a create request asks for, known to the capability. */
export function checkRequestedVersion(
  request: CreateResourceRequest,
  capability: Capability,
): string {
  const version = request.version ?? capability.version;
  if (typeof version !== 'string' || !capability.versions.includes(version)) {
    throw new InputError(
      `version: ${capability.ref} has no version ${JSON.stringify(
        version,
      )} (known: ${capability.versions.join(', ')})`,
    );
  }
  return version;
}

export function checkIdempotencyKey(key: string | undefined): void {
  if (
    key !== undefined &&
    (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
  ) {
    throw new InputError(
      `Idempotency-Key: must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    );
  }
}

export function checkListQuery(query: ListResourcesQuery): void {
  for (const phase of query.phase ?? []) {
    if (!isResourcePhase(phase)) {
      throw new InputError(`phase: '${phase}' is not a resource phase`);
    }
  }
  if (
    query.limit !== undefined &&
    (!Number.isInteger(query.limit) ||
      query.limit < 1 ||
      query.limit > MAX_PAGE_SIZE)
  ) {
    throw new InputError(
      `limit: must be an integer from 1 to ${MAX_PAGE_SIZE}`,
    );
  }
}

export function checkUpdateRequest(request: UpdateResourceRequest): void {
  if (request?.generation === undefined) {
    throw new InputError(
      'generation: is required, the generation your change is based on',
    );
  }
  // Generations start at 1 and count changes: anything else cannot
  // match a resource, and is the caller's mistake rather than a conflict.
  if (!Number.isSafeInteger(request.generation) || request.generation < 1) {
    throw new InputError(
      `generation: must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, the generation your change is based on`,
    );
  }
}

/** A rollout request's fields, with the defaults applied. */
export function checkRolloutRequest(request: CreateRolloutRequest): {
  waveSize: number;
  pauseSeconds: number;
} {
  if (typeof request?.capabilityRef !== 'string') {
    throw new InputError('capabilityRef: is required');
  }
  if (typeof request.targetVersion !== 'string' || !request.targetVersion) {
    throw new InputError('targetVersion: is required');
  }
  const waveSize = request.waveSize ?? 5;
  if (!Number.isInteger(waveSize) || waveSize < 1 || waveSize > MAX_WAVE_SIZE) {
    throw new InputError(
      `waveSize: must be an integer from 1 to ${MAX_WAVE_SIZE}`,
    );
  }
  const pauseSeconds = request.pauseSeconds ?? 0;
  if (
    !Number.isInteger(pauseSeconds) ||
    pauseSeconds < 0 ||
    pauseSeconds > MAX_PAUSE_SECONDS
  ) {
    throw new InputError(
      `pauseSeconds: must be an integer from 0 to ${MAX_PAUSE_SECONDS}`,
    );
  }
  for (const env of request.environments ?? []) {
    const problem = dnsLabelProblem(env);
    if (problem) throw new InputError(`environments: '${env}' ${problem}`);
  }
  return { waveSize, pauseSeconds };
}

/**
 * The capability a request names in `capabilityRef`; an InputError naming
 * that field when there is none.
 */
export async function requestedCapability(
  capabilities: { get(ref: string): Promise<Capability> },
  ref: string,
): Promise<Capability> {
  try {
    return await capabilities.get(ref);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new InputError(`capabilityRef: no capability ${ref}`);
    }
    throw error;
  }
}
