import { InputError } from '@backstage/errors';
import { DevexRangeQuery } from '@trellis/backstage-plugin-devex-common';
import { daysBetween, isDay } from '../rollups/days';

const GROUP_REF = /^group:[^/:\s]+\/[^/:\s]+$/i;

/**
 * Checks a metrics range: real days, `from` ≤ `to`, at most `maxDays` long,
 * and a group ref for `team`. The error names the field.
 */
export function parseRange(
  input: { from?: unknown; to?: unknown; team?: unknown },
  maxDays: number,
): DevexRangeQuery {
  const from = day(input.from, 'from');
  const to = day(input.to, 'to');
  if (from > to) {
    throw new InputError(`to: the range is inverted (${from} is after ${to})`);
  }
  if (daysBetween(from, to) + 1 > maxDays) {
    throw new InputError(
      `to: the range is ${
        daysBetween(from, to) + 1
      } days long; at most ${maxDays} days are allowed`,
    );
  }
  const query: DevexRangeQuery = { from, to };
  if (input.team !== undefined && input.team !== '') {
    query.team = teamRef(input.team);
  }
  return query;
}

export function teamRef(value: unknown, field = 'team'): string {
  if (typeof value !== 'string' || !GROUP_REF.test(value)) {
    throw new InputError(
      `${field}: must be a group entity ref like group:default/team-a`,
    );
  }
  return value.toLocaleLowerCase('en-US');
}

export function day(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isDay(value)) {
    throw new InputError(`${field}: must be a day written YYYY-MM-DD`);
  }
  return value;
}
