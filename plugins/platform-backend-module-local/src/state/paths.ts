import { InputError } from '@backstage/errors';
import { dnsLabelProblem } from '@trellis/backstage-plugin-platform-common';
import { isAbsolute, relative, resolve } from 'node:path';

/**
 * Joins `segments` onto `root` and refuses any result that is not inside
 * `root`. Every path the engine derives from a name goes through here, so a
 * name that slipped past validation still cannot reach outside the folder.
 */
export function resolveInside(root: string, ...segments: string[]): string {
  const base = resolve(root);
  const target = resolve(base, ...segments);
  const rel = relative(base, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new InputError(
      `Refusing path ${JSON.stringify(segments.join('/'))}: it leaves ${base}`,
    );
  }
  return target;
}

/** Throws an InputError naming the field when `value` is not a DNS label. */
export function assertDnsLabel(field: string, value: unknown): string {
  const problem = dnsLabelProblem(value);
  if (problem) {
    throw new InputError(
      `Invalid ${field} ${JSON.stringify(value)}: ${field} ${problem}`,
    );
  }
  return value as string;
}

const RESOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Trellis resource ids name the engine's folders, so they are held to a
 * file-name-safe alphabet (UUIDs and ULIDs pass).
 */
export function assertResourceId(value: unknown): string {
  if (typeof value !== 'string' || !RESOURCE_ID.test(value)) {
    throw new InputError(
      `Invalid resourceId ${JSON.stringify(
        value,
      )}: use 1-128 letters, digits, dashes and underscores, starting with a letter or digit`,
    );
  }
  return value;
}

/** True when `value` is a resource id the engine could have stored. */
export function isResourceId(value: unknown): value is string {
  return typeof value === 'string' && RESOURCE_ID.test(value);
}
