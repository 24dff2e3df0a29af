import { dnsLabelProblem } from '@trellis/backstage-plugin-platform-common';

// Reading a Promise document field by field: each reader returns the value
// in the shape asked for or throws an Error that names the field.

/** Where a value stands in the document, e.g. `spec.api.spec.names.kind`. */
export type Path = string;

export function fail(path: Path, problem: string): never {
  throw new Error(`${path} ${problem}`);
}

export function asObject(value: unknown, path: Path): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(path, 'must be an object');
  }
  return value as Record<string, unknown>;
}

export function asOptionalObject(
  value: unknown,
  path: Path,
): Record<string, unknown> {
  return value === undefined || value === null ? {} : asObject(value, path);
}

export function asString(value: unknown, path: Path): string {
  if (typeof value !== 'string' || value.trim() === '') {
    return fail(path, 'must be a non-empty string');
  }
  return value;
}

export function asOptionalString(
  value: unknown,
  path: Path,
): string | undefined {
  return value === undefined || value === null
    ? undefined
    : asString(value, path);
}

export function asArray(value: unknown, path: Path): unknown[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    return fail(path, 'must be a list');
  }
  return value;
}

export function asStringList(value: unknown, path: Path): string[] {
  return asArray(value, path).map((item, i) => {
    if (typeof item !== 'string') {
      return fail(`${path}[${i}]`, 'must be a string');
    }
    return item;
  });
}

export function asDnsLabel(value: unknown, path: Path): string {
  const problem = dnsLabelProblem(value);
  return problem ? fail(path, problem) : (value as string);
}
