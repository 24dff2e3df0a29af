const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `day` is a real calendar day written `YYYY-MM-DD`. */
export function isDay(day: string): boolean {
  const match = DAY_PATTERN.exec(day);
  if (!match) return false;
  const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
  return date.toISOString().slice(0, 10) === day;
}

/** `day` plus `n` days (n may be negative). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Days from `from` to `to` (0 when equal). */
export function daysBetween(from: string, to: string): number {
  const ms = (day: string) => {
    const [y, m, d] = day.split('-').map(Number);
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((ms(to) - ms(from)) / 86_400_000);
}

/** The Monday of the ISO week `day` falls in. */
export function weekOf(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** The first day of the month `day` falls in. */
export function monthOf(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** The first day of the calendar quarter `day` falls in. */
export function quarterOf(day: string): string {
  const month = Number(day.slice(5, 7));
  const first = Math.floor((month - 1) / 3) * 3 + 1;
  return `${day.slice(0, 5)}${String(first).padStart(2, '0')}-01`;
}

/** Every day from `from` to `to`, inclusive. */
export function eachDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * Turns instants into days of the reporting time zone
 * (`devex.reportingTimeZone`, an IANA name; default UTC). Every rollup,
 * range and cohort counts days this way.
 */
export class ReportingCalendar {
  readonly timeZone: string;
  readonly #format: Intl.DateTimeFormat;

  constructor(timeZone: string = 'UTC') {
    try {
      this.#format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
    } catch {
      throw new Error(
        `devex.reportingTimeZone: '${timeZone}' is not an IANA time zone`,
      );
    }
    this.timeZone = timeZone;
  }

  /** The day (`YYYY-MM-DD`) an ISO instant falls on in this time zone. */
  dayOf(time: string | Date): string {
    const date = typeof time === 'string' ? new Date(time) : time;
    if (this.timeZone === 'UTC') return date.toISOString().slice(0, 10);
    let year = '';
    let month = '';
    let day = '';
    for (const part of this.#format.formatToParts(date)) {
      if (part.type === 'year') year = part.value;
      else if (part.type === 'month') month = part.value;
      else if (part.type === 'day') day = part.value;
    }
    return `${year}-${month}-${day}`;
  }

  today(now: Date = new Date()): string {
    return this.dayOf(now);
  }
}
