import { isDeepStrictEqual } from 'node:util';
import {
  JsonObject,
  JsonValue,
} from '@trellis/backstage-plugin-platform-common';
import { KubeObject } from '../cluster/types';
import { isJsonObject } from './json';

/**
 * A JSON merge patch (RFC 7386) that turns what was applied last into what
 * is desired now: every desired value is set, and a field that was applied
 * before but is no longer desired is removed (`null`). Fields neither in
 * the last applied nor in the desired object, such as those Crossplane
 * writes into a claim's spec, are left alone.
 */
export function threeWayMergePatch(
  lastApplied: JsonObject | undefined,
  desired: JsonObject,
): JsonObject {
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(desired)) {
    const previous = lastApplied?.[key];
    patch[key] =
      isJsonObject(value) && isJsonObject(previous)
        ? threeWayMergePatch(previous, value)
        : value;
  }
  for (const key of Object.keys(lastApplied ?? {})) {
    if (!(key in desired)) {
      patch[key] = null;
    }
  }
  return patch;
}

/** Parses the JSON an annotation holds, undefined when it is not an object. */
export function parseJsonObject(
  text: string | undefined,
): JsonObject | undefined {
  if (!text) {
    return undefined;
  }
  try {
    const value: JsonValue = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Applies a merge patch to a value, as the API server would (RFC 7386). */
export function applyMergePatch(
  target: JsonValue | undefined,
  patch: JsonValue,
): JsonValue {
  if (!isJsonObject(patch)) {
    return patch;
  }
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  return result;
}

/** Whether a merge patch would leave the object's labels, annotations and spec as they are. */
export function isNoOpPatch(object: KubeObject, patch: JsonObject): boolean {
  const current = object as unknown as JsonValue;
  const patched = applyMergePatch(current, patch) as unknown as KubeObject;
  return (
    isDeepStrictEqual(patched.metadata.labels, object.metadata.labels) &&
    isDeepStrictEqual(
      patched.metadata.annotations,
      object.metadata.annotations,
    ) &&
    isDeepStrictEqual(patched.spec, object.spec)
  );
}
