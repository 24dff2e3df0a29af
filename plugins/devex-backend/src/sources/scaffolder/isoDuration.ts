const ISO_DURATION =
  /^P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

/** Seconds per unit, with the calendar lengths a time estimate means. */
const UNIT_SECONDS = [365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1];

/**
 * The seconds an ISO 8601 duration such as `PT2H` or `P1DT30M` stands for,
 * as the `backstage.io/time-saved` annotation uses it; undefined when the
 * text is not one.
 */
export function isoDurationSeconds(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = ISO_DURATION.exec(text.trim().toUpperCase());
  if (!match || text.trim().toUpperCase().endsWith('T')) return undefined;
  const parts = match.slice(1);
  if (parts.every(p => p === undefined)) return undefined;
  let seconds = 0;
  parts.forEach((part, i) => {
    if (part !== undefined) {
      seconds += Number(part.replace(',', '.')) * UNIT_SECONDS[i];
    }
  });
  return Number.isFinite(seconds) ? Math.round(seconds) : undefined;
}
