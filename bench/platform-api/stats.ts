/*
 * Small helpers shared by the platform API benchmarks: percentiles, bounded
 * settings from the environment, and a plain text table.
 */

/** Latency summary of a set of samples, in milliseconds. */
export interface Summary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of already sorted samples. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/**
 * An integer setting from the environment, clamped so that a typo cannot turn
 * a benchmark into an unbounded load test.
 */
export function intSetting(
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new Error(`${name} must be an integer, got '${raw}'`);
  }
  return Math.min(max, Math.max(min, value));
}

/** Prints rows as an aligned text table (also valid Markdown). */
export function printTable(headers: string[], rows: Array<Array<string>>) {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map(row => row[column].length)),
  );
  const line = (cells: string[]) =>
    `| ${cells
      .map((cell, column) =>
        column === 0
          ? cell.padEnd(widths[column])
          : cell.padStart(widths[column]),
      )
      .join(' | ')} |`;
  console.log(line(headers));
  console.log(
    `|${widths
      .map((width, column) =>
        column === 0 ? `-${'-'.repeat(width)}-` : `-${'-'.repeat(width)}:`,
      )
      .join('|')}|`,
  );
  for (const row of rows) console.log(line(row));
}

export function sleep(milliseconds: number) {
  return new Promise<void>(resolve => setTimeout(resolve, milliseconds));
}
