import {
  JsonObject,
  JsonValue,
} from '@trellis/backstage-plugin-platform-common';

/** The parts of JSON Schema a capability's input schema uses. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: JsonValue;
  enum?: JsonValue[];
  const?: JsonValue;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads an arbitrary JSON value as a schema (unknown keys are ignored). */
export function asSchema(value: unknown): JsonSchema {
  return isObject(value) ? (value as JsonSchema) : {};
}

/** The one type a field is edited as; enums without a type take their values'. */
export function primaryType(schema: JsonSchema): string | undefined {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find(t => t && t !== 'null');
  if (type) return type;
  if (schema.properties) return 'object';
  if (schema.enum && schema.enum.length > 0) {
    const first = schema.enum[0];
    return first === null ? undefined : typeof first;
  }
  return undefined;
}

/** "string", "array of string", "integer", "object", "any". */
export function typeLabel(schema: JsonSchema): string {
  const type = primaryType(schema);
  if (type === 'array') {
    const items = schema.items ? typeLabel(asSchema(schema.items)) : 'any';
    return `array of ${items}`;
  }
  const label = type ?? 'any';
  return schema.format ? `${label} (${schema.format})` : label;
}

/** Human readable constraints: "1 to 100", "at most 500 characters", … */
export function constraintsOf(schema: JsonSchema): string[] {
  const result: string[] = [];
  const min = schema.minimum ?? schema.exclusiveMinimum;
  const max = schema.maximum ?? schema.exclusiveMaximum;
  if (min !== undefined && max !== undefined) {
    result.push(`${min} to ${max}`);
  } else if (min !== undefined) {
    result.push(`at least ${min}`);
  } else if (max !== undefined) {
    result.push(`at most ${max}`);
  }
  if (schema.minLength !== undefined && schema.minLength > 0) {
    result.push(`at least ${schema.minLength} characters`);
  }
  if (schema.maxLength !== undefined) {
    result.push(`at most ${schema.maxLength} characters`);
  }
  if (schema.minItems !== undefined)
    result.push(`at least ${schema.minItems} items`);
  if (schema.maxItems !== undefined)
    result.push(`at most ${schema.maxItems} items`);
  if (schema.pattern) result.push(`matches ${schema.pattern}`);
  return result;
}

/** One documented field of a schema, nested objects flattened to paths. */
export interface SchemaField {
  path: string;
  name: string;
  schema: JsonSchema;
  required: boolean;
  depth: number;
}

/** Every field of an object schema, depth first, nested ones as `a.b`. */
export function flattenFields(
  schema: JsonSchema,
  prefix = '',
  depth = 0,
): SchemaField[] {
  const required = new Set(schema.required ?? []);
  const fields: SchemaField[] = [];
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    const child = asSchema(raw);
    const path = prefix ? `${prefix}.${name}` : name;
    fields.push({
      path,
      name,
      schema: child,
      required: required.has(name),
      depth,
    });
    if (primaryType(child) === 'object' && child.properties) {
      fields.push(...flattenFields(child, path, depth + 1));
    }
  }
  return fields;
}

/** A value for documentation: strings as they are, anything else as JSON. */
export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Problems of a spec against its schema, by field path, for what the form
 * can check itself (required, numbers, lengths, patterns, enums). The
 * server validates the full schema again.
 */
export function validateSpec(
  schema: JsonSchema,
  value: JsonObject | undefined,
  prefix = '',
): Record<string, string> {
  const problems: Record<string, string> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    const field = asSchema(raw);
    const path = prefix ? `${prefix}.${name}` : name;
    const current = value?.[name];
    if (current === undefined || current === '') {
      if (required.has(name)) problems[path] = 'Required';
      continue;
    }
    const type = primaryType(field);
    if (field.enum && !field.enum.some(e => e === current)) {
      problems[path] = `Must be one of ${field.enum
        .map(e => formatValue(e))
        .join(', ')}`;
    } else if (type === 'integer' || type === 'number') {
      if (typeof current !== 'number' || Number.isNaN(current)) {
        problems[path] = 'Must be a number';
      } else if (type === 'integer' && !Number.isInteger(current)) {
        problems[path] = 'Must be a whole number';
      } else if (field.minimum !== undefined && current < field.minimum) {
        problems[path] = `Must be at least ${field.minimum}`;
      } else if (field.maximum !== undefined && current > field.maximum) {
        problems[path] = `Must be at most ${field.maximum}`;
      }
    } else if (type === 'string' && typeof current === 'string') {
      if (field.minLength !== undefined && current.length < field.minLength) {
        problems[path] = `Must be at least ${field.minLength} characters`;
      } else if (
        field.maxLength !== undefined &&
        current.length > field.maxLength
      ) {
        problems[path] = `Must be at most ${field.maxLength} characters`;
      } else if (field.pattern && !safeTest(field.pattern, current)) {
        problems[path] = `Must match ${field.pattern}`;
      }
    } else if (type === 'object' && isObject(current)) {
      Object.assign(problems, validateSpec(field, current as JsonObject, path));
    }
  }
  return problems;
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true; // a pattern the browser cannot read is left to the server
  }
}
