import YAML from 'yaml';
import { usageError } from './exitCodes';

/** The `-o` formats. */
export type OutputFormat = 'table' | 'json' | 'yaml';

export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'json', 'yaml'];

export function parseOutputFormat(value: string | undefined): OutputFormat {
  const format = value ?? 'table';
  if (!(OUTPUT_FORMATS as string[]).includes(format)) {
    throw usageError(
      `-o, --output: must be one of ${OUTPUT_FORMATS.join(
        ', ',
      )} (got "${format}")`,
    );
  }
  return format as OutputFormat;
}

/** One column of a table: its heading and how a row shows in it. */
export interface Column<T> {
  heading: string;
  value: (row: T) => string | number | undefined;
}

/** A plain-text table: columns padded to their widest cell, no trailing blanks. */
export function renderTable<T>(rows: T[], columns: Column<T>[]): string {
  const cells = rows.map(row =>
    columns.map(column => {
      const value = column.value(row);
      return value === undefined || value === '' ? '-' : String(value);
    }),
  );
  const headings = columns.map(column => column.heading);
  const widths = headings.map((heading, i) =>
    Math.max(heading.length, ...cells.map(line => line[i].length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) =>
        i === values.length - 1 ? value : value.padEnd(widths[i]),
      )
      .join('   ')
      .trimEnd();
  return [line(headings), ...cells.map(line)].join('\n');
}

/** Prints data as JSON or YAML, or as the table `table` renders. */
export function formatOutput(
  format: OutputFormat,
  data: unknown,
  table: () => string,
): string {
  if (format === 'json') return JSON.stringify(data, null, 2);
  if (format === 'yaml') return YAML.stringify(data).trimEnd();
  return table();
}

/** "3m", "2h", "5d": how long ago an ISO time was, as kubectl shows ages. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(seconds)) return '-';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
