import { InterpretOptions, PayloadError } from './types';

/*
 * Readers of webhook payload fields: each throws a PayloadError naming the
 * field when the value is not what the event type promises.
 */

export type Obj = Record<string, unknown>;

export function obj(value: unknown, field: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PayloadError(field, 'must be an object');
  }
  return value as Obj;
}

export function str(o: Obj, key: string, field: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value === '') {
    throw new PayloadError(`${field}.${key}`, 'must be a non-empty string');
  }
  return value;
}

export function optStr(o: Obj, key: string): string | undefined {
  const value = o[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function id(o: Obj, key: string, field: string): string {
  const value = o[key];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '') return value;
  throw new PayloadError(`${field}.${key}`, 'must be a number or string id');
}

export function time(o: Obj, key: string, field: string): string {
  const value = str(o, key, field);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new PayloadError(`${field}.${key}`, `is not a date: ${value}`);
  }
  return new Date(ms).toISOString();
}

export function seconds(
  from: string | undefined,
  to: string,
): number | undefined {
  if (!from) return undefined;
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(s) && s >= 0 ? Math.round(s) : undefined;
}

export function labelNames(labels: unknown, key: 'name' | 'title'): string[] {
  if (!Array.isArray(labels)) return [];
  const names: string[] = [];
  for (const label of labels) {
    if (typeof label === 'string') names.push(label);
    else if (typeof label === 'object' && label !== null) {
      const name = (label as Obj)[key];
      if (typeof name === 'string') names.push(name);
    }
  }
  return names;
}

export function isProduction(environment: string, options: InterpretOptions) {
  const env = environment.toLocaleLowerCase('en-US');
  return options.productionEnvironments.some(
    p => p.toLocaleLowerCase('en-US') === env,
  );
}

export function severityOf(labels: string[]): string | null {
  const label = labels.find(l => /^(sev|severity)\b/i.test(l));
  return label ?? null;
}
