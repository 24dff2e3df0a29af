import { parseDuration } from './duration';
import { age, formatOutput, renderTable } from './output';

describe('output', () => {
  it('pads table columns to the widest cell and shows blanks as -', () => {
    const rows = [
      { name: 'orders-db', phase: 'Ready' },
      { name: 'a', phase: undefined },
    ];
    expect(
      renderTable(rows, [
        { heading: 'NAME', value: r => r.name },
        { heading: 'PHASE', value: r => r.phase },
      ]),
    ).toBe(
      ['NAME        PHASE', 'orders-db   Ready', 'a           -'].join('\n'),
    );
  });

  it('prints JSON and YAML of the same data', () => {
    const data = { name: 'orders-db', spec: { size: 'small' } };
    expect(JSON.parse(formatOutput('json', data, () => ''))).toEqual(data);
    expect(formatOutput('yaml', data, () => '')).toBe(
      'name: orders-db\nspec:\n  size: small',
    );
  });

  it('shows ages the way kubectl does', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    expect(age('2026-12-02T11:59:30Z', now)).toBe('30s');
    expect(age('2026-12-02T11:00:00Z', now)).toBe('60m');
    expect(age('2026-12-01T12:00:00Z', now)).toBe('24h');
    expect(age('2026-11-20T12:00:00Z', now)).toBe('12d');
  });

  it('reads durations, and names the flag when one is wrong', () => {
    expect(parseDuration('90', '--timeout')).toBe(90_000);
    expect(parseDuration('5m', '--timeout')).toBe(300_000);
    expect(parseDuration('250ms', '--timeout')).toBe(250);
    expect(() => parseDuration('soon', '--timeout')).toThrow(
      '--timeout: "soon" is not a duration such as 30s, 5m or 1h',
    );
    expect(() => parseDuration('0s', '--timeout')).toThrow(
      '--timeout: must be more than 0',
    );
  });
});
