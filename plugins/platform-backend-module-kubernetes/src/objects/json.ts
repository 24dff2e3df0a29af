import {
  JsonObject,
  JsonValue,
} from '@trellis/backstage-plugin-platform-common';

/** Narrowing readers for the schemaless parts of Kubernetes objects. */

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value)
    ? value
    : undefined;
}

export function asArray(value: unknown): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

/** Reads `path` from nested objects, undefined when any step is missing. */
export function pathValue(
  value: unknown,
  ...path: string[]
): JsonValue | undefined {
  let current: unknown = value;
  for (const key of path) {
    if (!isJsonObject(current)) {
      return undefined;
    }
    current = current[key];
  }
  return current as JsonValue | undefined;
}
