import { addDays, isDay, monthOf, ReportingCalendar, weekOf } from './days';

describe('days', () => {
  it('counts days in the reporting time zone', () => {
    const utc = new ReportingCalendar('UTC');
    const berlin = new ReportingCalendar('Europe/Berlin');
    const auckland = new ReportingCalendar('Pacific/Auckland');
    const lateEvening = '2026-03-01T23:30:00Z';
    expect(utc.dayOf(lateEvening)).toBe('2026-03-01');
    expect(berlin.dayOf(lateEvening)).toBe('2026-03-02');
    expect(auckland.dayOf('2026-03-01T10:59:00Z')).toBe('2026-03-01');
    expect(auckland.dayOf('2026-03-01T11:00:00Z')).toBe('2026-03-02');
    // Summer time: Berlin is UTC+2, so 22:30Z is already the next day.
    expect(berlin.dayOf('2026-07-01T22:30:00Z')).toBe('2026-07-02');
  });

  it('refuses a time zone that does not exist', () => {
    expect(() => new ReportingCalendar('Mars/Olympus')).toThrow(
      /devex.reportingTimeZone/,
    );
  });

  it('knows ISO weeks, months and real calendar days', () => {
    expect(weekOf('2026-11-01')).toBe('2026-10-26'); // a Sunday
    expect(weekOf('2026-11-02')).toBe('2026-11-02'); // a Monday
    expect(monthOf('2026-11-30')).toBe('2026-11-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2028-02-29')).toBe(true);
    expect(isDay('2026-1-01')).toBe(false);
  });
});
