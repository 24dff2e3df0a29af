import { csvDataUrl, csvField, toCsv } from './csv';

describe('csv', () => {
  it('quotes fields with separators, quotes, line breaks and edge spaces', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(0.25)).toBe('0.25');
    expect(csvField(-3)).toBe('-3');
  });

  it('keeps spreadsheets from running text as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(
      '"\'=HYPERLINK(""http://x"")"',
    );
    expect(csvField('-step failed')).toBe("'-step failed");
    expect(csvField('@sum')).toBe("'@sum");
  });

  it('writes a header and CRLF rows', () => {
    expect(
      toCsv(
        ['Team', 'Active users'],
        [
          ['team-a', 3],
          ['Other (2 small teams)', 5],
        ],
      ),
    ).toBe('Team,Active users\r\nteam-a,3\r\nOther (2 small teams),5\r\n');
  });

  it('downloads as UTF-8 with a byte order mark', () => {
    const url = csvDataUrl('Team\r\nÉquipe\r\n');
    expect(url.startsWith('data:text/csv;charset=utf-8,')).toBe(true);
    expect(decodeURIComponent(url.split(',')[1])).toBe(
      '\uFEFFTeam\r\nÉquipe\r\n',
    );
  });
});
