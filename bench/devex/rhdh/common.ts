/** The comparison's settings (environment), shared by its phases. */
import os from 'node:os';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
export const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
export const BATCH = Number(process.env.BENCH_BATCH ?? 50);
export const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20);
export const FACTS = Number(process.env.BENCH_FACTS ?? 10_000_000);
export const PORTS = (process.env.BENCH_PORTS ?? '7143,7144')
  .split(',')
  .map(Number);
export const PLUGINS = [
  'catalog',
  'scaffolder',
  'platform',
  'techdocs',
  'devex',
];

export function percentile(values: number[], q: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

export const load = () => os.loadavg()[0].toFixed(1);
