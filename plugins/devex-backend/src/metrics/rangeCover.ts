import { addDays, monthOf, quarterOf, weekOf } from '../rollups/days';

export interface DayRange {
  from: string;
  to: string;
}

/**
 * The pieces a day range splits into: whole quarters (when asked for),
 * whole months, whole weeks, days.
 */
export interface RangeCover {
  quarters: string[];
  months: string[];
  weeks: string[];
  days: DayRange[];
}

/** The day after the month that starts on `month`. */
export function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

function coverWithWeeks(range: DayRange, cover: RangeCover) {
  if (range.from > range.to) return;
  let week = weekOf(range.from);
  if (week < range.from) week = addDays(week, 7);
  const first = week;
  for (; addDays(week, 6) <= range.to; week = addDays(week, 7)) {
    cover.weeks.push(week);
  }
  if (week === first) {
    cover.days.push(range);
    return;
  }
  if (range.from < first)
    cover.days.push({ from: range.from, to: addDays(first, -1) });
  if (week <= range.to) cover.days.push({ from: week, to: range.to });
}

function coverWithMonths(range: DayRange, cover: RangeCover) {
  if (range.from > range.to) return;
  let month = monthOf(range.from);
  if (month < range.from) month = nextMonth(month);
  const first = month;
  for (; addDays(nextMonth(month), -1) <= range.to; month = nextMonth(month)) {
    cover.months.push(month);
  }
  if (month === first) {
    coverWithWeeks(range, cover);
    return;
  }
  coverWithWeeks({ from: range.from, to: addDays(first, -1) }, cover);
  coverWithWeeks({ from: month, to: range.to }, cover);
}

/** The day after the quarter that starts on `quarter`. */
export function nextQuarter(quarter: string): string {
  return nextMonth(nextMonth(nextMonth(quarter)));
}

/**
 * Splits a range into the whole calendar quarters inside it (with
 * `quarters`), then the whole calendar months inside what is left, then the
 * whole ISO weeks, then single days at the edges: the pieces tile the range
 * exactly once, so a sum over the pieces is the sum over the days, and a
 * user is active in the range exactly when they are active in one of the
 * pieces. A year is a handful of rows per key instead of 365.
 */
export function coverRange(
  range: DayRange,
  options: { quarters?: boolean } = {},
): RangeCover {
  const cover: RangeCover = { quarters: [], months: [], weeks: [], days: [] };
  if (!options.quarters) {
    coverWithMonths(range, cover);
    return cover;
  }
  let quarter = quarterOf(range.from);
  if (quarter < range.from) quarter = nextQuarter(quarter);
  const first = quarter;
  for (
    ;
    addDays(nextQuarter(quarter), -1) <= range.to;
    quarter = nextQuarter(quarter)
  ) {
    cover.quarters.push(quarter);
  }
  if (quarter === first) {
    coverWithMonths(range, cover);
    return cover;
  }
  coverWithMonths({ from: range.from, to: addDays(first, -1) }, cover);
  coverWithMonths({ from: quarter, to: range.to }, cover);
  return cover;
}
