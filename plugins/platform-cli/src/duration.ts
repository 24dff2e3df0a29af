import { usageError } from './exitCodes';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** "90s", "5m", "1h", "250ms", or plain seconds ("30"), in milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) {
    throw usageError(
      `${flag}: "${value}" is not a duration such as 30s, 5m or 1h`,
    );
  }
  const ms = Number(match[1]) * UNITS[match[2] ?? 's'];
  if (ms <= 0) throw usageError(`${flag}: must be more than 0`);
  return ms;
}
