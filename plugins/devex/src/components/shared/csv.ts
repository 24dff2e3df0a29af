/** A cell as the table has it: numbers stay numbers; missing values are empty. */
export type CsvValue = string | number | boolean | null | undefined;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, line break
 * or edge whitespace, with quotes doubled. Text that a spreadsheet would run
 * as a formula (`=`, `+`, `-`, `@`, tab, CR first) is prefixed with `'`.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    return Number.isFinite(value) ? String(value) : '';
  }
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole table as CSV text, CRLF line ends, header first. */
export function toCsv(header: string[], rows: CsvValue[][]): string {
  return [header, ...rows]
    .map(row => row.map(csvField).join(','))
    .join('\r\n')
    .concat('\r\n');
}

/**
 * A link target that downloads the CSV. The byte order mark makes
 * spreadsheets read it as UTF-8.
 */
export function csvDataUrl(csv: string): string {
  return `data:text/csv;charset=utf-8,${encodeURIComponent(`\uFEFF${csv}`)}`;
}
