import {
  JsonObject,
  JsonValue,
} from '@trellis/backstage-plugin-platform-common';
import { isJsonObject } from '../objects/json';

/** Keywords that mean the same in OpenAPI v3 schemas and JSON Schema. */
const PLAIN_KEYWORDS = new Set([
  'type',
  'required',
  'enum',
  'default',
  'description',
  'title',
  'minimum',
  'maximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
]);

/** Formats JSON Schema validators know; Kubernetes ones like `int32` are dropped. */
const JSON_SCHEMA_FORMATS = new Set([
  'date-time',
  'date',
  'time',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uuid',
]);

/**
 * Converts a Kubernetes structural schema (OpenAPI v3, as in CRDs and XRDs)
 * into plain JSON Schema that a strict validator such as ajv compiles:
 * `nullable` becomes a `null` type, `x-kubernetes-int-or-string` an
 * `anyOf`, boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers,
 * `example` becomes `examples`, and Kubernetes-only keywords and formats are
 * left out.
 */
export function toJsonSchema(schema: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (PLAIN_KEYWORDS.has(keyword)) {
      result[keyword] = value;
    } else if (keyword === 'format') {
      if (typeof value === 'string' && JSON_SCHEMA_FORMATS.has(value)) {
        result.format = value;
      }
    } else if (keyword === 'example') {
      result.examples = [value];
    } else if (keyword === 'properties' && isJsonObject(value)) {
      result.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [
          name,
          isJsonObject(child) ? toJsonSchema(child) : child,
        ]),
      );
    } else if (
      (keyword === 'items' ||
        keyword === 'additionalProperties' ||
        keyword === 'not') &&
      isJsonObject(value)
    ) {
      result[keyword] = toJsonSchema(value);
    } else if (
      keyword === 'additionalProperties' &&
      typeof value === 'boolean'
    ) {
      result.additionalProperties = value;
    } else if (
      (keyword === 'allOf' || keyword === 'anyOf' || keyword === 'oneOf') &&
      Array.isArray(value)
    ) {
      result[keyword] = value.map(item =>
        isJsonObject(item) ? toJsonSchema(item) : item,
      );
    }
  }

  for (const bound of ['Minimum', 'Maximum'] as const) {
    const exclusive = schema[`exclusive${bound}`];
    const limit = schema[bound.toLowerCase()];
    if (typeof exclusive === 'number') {
      result[`exclusive${bound}`] = exclusive;
    } else if (exclusive === true && typeof limit === 'number') {
      result[`exclusive${bound}`] = limit;
      delete result[bound.toLowerCase()];
    }
  }

  if (schema['x-kubernetes-int-or-string'] === true && !schema.type) {
    result.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.nullable === true && typeof result.type === 'string') {
    result.type = [result.type, 'null'];
  }
  return result;
}

/**
 * The JSON Schema of a request's `spec` from a version's
 * `openAPIV3Schema`; an object that takes anything when the schema does not
 * describe `spec`.
 */
export function specInputSchema(
  openAPIV3Schema: JsonValue | undefined,
): JsonObject {
  const spec = isJsonObject(openAPIV3Schema)
    ? openAPIV3Schema.properties
    : undefined;
  const specSchema = isJsonObject(spec) ? spec.spec : undefined;
  if (!isJsonObject(specSchema)) {
    return { type: 'object' };
  }
  return { type: 'object', ...toJsonSchema(specSchema) };
}
