/** The presets of the date range picker, in days ending today. */
export const RANGE_PRESETS = [7, 30, 90] as const;

/** A date as `YYYY-MM-DD` in the browser's time zone (not UTC). */
export function toLocalDate(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

/** The last `days` days including today, in local days. */
export function presetRange(
  days: number,
  now: Date = new Date(),
): { from: string; to: string } {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  start.setDate(start.getDate() - (days - 1));
  return { from: toLocalDate(start), to: toLocalDate(now) };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `value` is a real calendar day written `YYYY-MM-DD`. */
export function isDay(value: string | null | undefined): value is string {
  if (!value || !DAY.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  const date = new Date(y, m - 1, d);
  return (
    date.getFullYear() === y &&
    date.getMonth() === m - 1 &&
    date.getDate() === d
  );
}

/** Why a custom range cannot be asked for, or undefined when it can. */
export function rangeProblem(from: string, to: string): string | undefined {
  if (!isDay(from)) return 'Choose a start date';
  if (!isDay(to)) return 'Choose an end date';
  if (from > to) return 'The start date is after the end date';
  return undefined;
}
