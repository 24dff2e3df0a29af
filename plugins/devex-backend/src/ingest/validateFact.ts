import { JsonObject } from '@backstage/types';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';

/** A fact that passed validation, normalized (refs lower-cased, time in UTC). */
export interface ValidFact {
  sourceId: string;
  kind: string;
  time: string;
  actor?: string;
  teams?: string[];
  entityRef?: string;
  templateRef?: string;
  capabilityRef?: string;
  subject?: string;
  value?: number;
  attributes: JsonObject;
}

export class FactFieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

const KIND = /^[a-z][a-z0-9]*([.-][a-z0-9]+)*$/;
const ENTITY_REF = /^[a-z0-9][a-z0-9_.-]*:[^/:\s]+\/[^/:\s]+$/i;
const MAX_TEAMS = 50;
const MAX_ATTRIBUTES_LENGTH = 16 * 1024;
/** Facts may be stamped a little ahead of the server's clock (skew), not more. */
const MAX_FUTURE_MS = 10 * 60 * 1000;

/**
 * Checks one fact of a batch. Throws a FactFieldError naming the field at
 * fault; the caller rejects that fact and keeps the rest of the batch.
 */
export function validateFact(
  input: unknown,
  now: Date = new Date(),
): ValidFact {
  if (!isObject(input))
    throw new FactFieldError('', 'a fact must be an object');
  const fact = input as Partial<DevexFact> & Record<string, unknown>;
  const known = new Set([
    'sourceId',
    'kind',
    'time',
    'actor',
    'teams',
    'entityRef',
    'templateRef',
    'capabilityRef',
    'subject',
    'value',
    'attributes',
  ]);
  for (const key of Object.keys(fact)) {
    if (!known.has(key))
      throw new FactFieldError(key, `unknown field '${key}'`);
  }
  const sourceId = requiredString(fact.sourceId, 'sourceId', 255);
  const kind = requiredString(fact.kind, 'kind', 100);
  if (!KIND.test(kind)) {
    throw new FactFieldError(
      'kind',
      'must be lower-case words joined by . or -',
    );
  }
  const time = validTime(fact.time, 'time', now);
  const teams = optionalRefs(fact.teams, 'teams');
  const value = fact.value;
  if (
    value !== undefined &&
    (typeof value !== 'number' || !Number.isFinite(value))
  ) {
    throw new FactFieldError('value', 'must be a finite number');
  }
  const attributes = fact.attributes ?? {};
  if (!isObject(attributes)) {
    throw new FactFieldError('attributes', 'must be an object');
  }
  if (JSON.stringify(attributes).length > MAX_ATTRIBUTES_LENGTH) {
    throw new FactFieldError(
      'attributes',
      `must be at most ${MAX_ATTRIBUTES_LENGTH} characters as JSON`,
    );
  }
  return {
    sourceId,
    kind,
    time,
    actor: optionalRef(fact.actor, 'actor'),
    teams,
    entityRef: optionalRef(fact.entityRef, 'entityRef'),
    templateRef: optionalRef(fact.templateRef, 'templateRef'),
    capabilityRef: optionalString(fact.capabilityRef, 'capabilityRef', 255),
    subject: optionalString(fact.subject, 'subject', 255),
    value,
    attributes: attributes as JsonObject,
  };
}

/** An ISO 8601 instant with a zone, not in the future; normalized to UTC. */
export function validTime(value: unknown, field: string, now: Date): string {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(value)
  ) {
    throw new FactFieldError(
      field,
      'must be an ISO 8601 date-time with a time zone',
    );
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new FactFieldError(field, 'is not a valid date-time');
  }
  if (date.getTime() > now.getTime() + MAX_FUTURE_MS) {
    throw new FactFieldError(field, 'is in the future');
  }
  return date.toISOString();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new FactFieldError(field, 'is required');
  }
  if (value.length > max) {
    throw new FactFieldError(field, `must be at most ${max} characters`);
  }
  return value;
}

function optionalString(
  value: unknown,
  field: string,
  max: number,
): string | undefined {
  if (value === undefined || value === null) return undefined;
  return requiredString(value, field, max);
}

function optionalRef(value: unknown, field: string): string | undefined {
  const ref = optionalString(value, field, 255);
  if (ref === undefined) return undefined;
  if (!ENTITY_REF.test(ref)) {
    throw new FactFieldError(
      field,
      'must be an entity ref like kind:namespace/name',
    );
  }
  return ref.toLocaleLowerCase('en-US');
}

function optionalRefs(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value))
    throw new FactFieldError(field, 'must be an array');
  if (value.length > MAX_TEAMS) {
    throw new FactFieldError(field, `must hold at most ${MAX_TEAMS} teams`);
  }
  const refs = value.map((v, i) => optionalRef(v, `${field}[${i}]`) ?? '');
  if (refs.some(r => !r))
    throw new FactFieldError(field, 'must hold group refs');
  return [...new Set(refs)];
}
