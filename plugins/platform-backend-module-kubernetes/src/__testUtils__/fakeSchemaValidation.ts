import { isDeepStrictEqual } from 'node:util';
import {
  JsonObject,
  JsonValue,
} from '@trellis/backstage-plugin-platform-common';
import { KubeObject } from '../cluster/types';
import type { FakeResourceType } from './FakeKubeApiServer';

function jsonTypeOf(value: JsonValue): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** Checks `spec` against the type's schema: types, enums and required fields, as the API server reports them. */
export function validateSpec(
  type: FakeResourceType,
  object: KubeObject,
): string[] {
  const specSchema = (type.schema?.properties as JsonObject | undefined)?.spec;
  if (!specSchema) return [];
  const problems: string[] = [];
  const check = (
    value: JsonValue | undefined,
    schema: JsonObject,
    path: string,
  ) => {
    if (value === undefined) return;
    const expected = schema.type;
    const actual = jsonTypeOf(value);
    const matches =
      !expected ||
      expected === actual ||
      (expected === 'number' && actual === 'integer');
    if (!matches) {
      problems.push(
        `${path}: Invalid value: "${actual}": ${path} in body must be of type ${expected}: "${actual}"`,
      );
      return;
    }
    if (
      Array.isArray(schema.enum) &&
      !schema.enum.some(e => isDeepStrictEqual(e, value))
    ) {
      problems.push(
        `${path}: Unsupported value: ${JSON.stringify(
          value,
        )}: supported values: ${schema.enum
          .map(e => JSON.stringify(e))
          .join(', ')}`,
      );
    }
    if (actual === 'object') {
      const properties = (schema.properties ?? {}) as JsonObject;
      for (const required of (schema.required ?? []) as string[]) {
        if ((value as JsonObject)[required] === undefined) {
          problems.push(`${path}.${required}: Required value`);
        }
      }
      for (const [key, child] of Object.entries(value as JsonObject)) {
        const childSchema = properties[key] as JsonObject | undefined;
        if (childSchema) check(child, childSchema, `${path}.${key}`);
      }
    }
  };
  check(object.spec ?? {}, specSchema as JsonObject, 'spec');
  return problems;
}
