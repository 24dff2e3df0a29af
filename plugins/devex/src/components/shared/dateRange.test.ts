import { isDay, presetRange, rangeProblem, toLocalDate } from './dateRange';
import { parseFilters } from './useDevexFilters';

describe('date range', () => {
  it('counts days in the local time zone', () => {
    // 00:30 on Dec 1 local is still Nov 30 in UTC west of Greenwich and vice versa;
    // the date must be the one the user sees on their clock.
    const lateEvening = new Date(2026, 11, 1, 0, 30);
    expect(toLocalDate(lateEvening)).toBe('2026-12-01');
    expect(presetRange(7, lateEvening)).toEqual({
      from: '2026-11-25',
      to: '2026-12-01',
    });
    expect(presetRange(90, new Date(2026, 2, 31, 23, 59))).toEqual({
      from: '2026-01-01',
      to: '2026-03-31',
    });
  });

  it('accepts only real days in order', () => {
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2028-02-29')).toBe(true);
    expect(rangeProblem('2026-12-02', '2026-12-01')).toBe(
      'The start date is after the end date',
    );
    expect(rangeProblem('', '2026-12-01')).toBe('Choose a start date');
    expect(rangeProblem('2026-12-01', '2026-12-01')).toBeUndefined();
  });

  it('reads the filters from the URL, defaulting to the last 30 days', () => {
    const now = new Date(2026, 11, 1, 12);
    expect(parseFilters(new URLSearchParams(''), now)).toEqual({
      preset: 30,
      from: '2026-11-02',
      to: '2026-12-01',
      team: undefined,
    });
    expect(
      parseFilters(
        new URLSearchParams(
          'range=custom&from=2026-10-01&to=2026-10-31&team=group:default/a',
        ),
        now,
      ),
    ).toEqual({
      preset: 'custom',
      from: '2026-10-01',
      to: '2026-10-31',
      team: 'group:default/a',
      problem: undefined,
    });
    expect(parseFilters(new URLSearchParams('range=12'), now).preset).toBe(30);
  });
});
