import { parseEntityRef } from '@backstage/catalog-model';

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "3 minutes ago", for tables; the exact time goes in a title attribute. */
export function formatRelative(iso: string | undefined, now = Date.now()) {
  if (!iso) return '—';
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const seconds = Math.round((time - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return iso;
}

/** A date and time in the reader's locale. */
export function formatDateTime(iso: string | undefined) {
  if (!iso) return '—';
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toLocaleString();
}

/** A duration as the largest two units: "2 h 5 min", "45 s". */
export function formatDuration(ms: number | undefined) {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    const rest = seconds % 60;
    return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest ? `${days} d ${rest} h` : `${days} d`;
}

/** A percentage with no decimals, or "—" when there is nothing to divide. */
export function formatPercent(ratio: number | undefined) {
  return ratio === undefined || !Number.isFinite(ratio)
    ? '—'
    : `${Math.round(ratio * 100)}%`;
}

/** `group:default/team-a` → `team-a`; other namespaces stay visible. */
export function shortEntityRef(ref: string | undefined) {
  if (!ref) return '—';
  try {
    const { namespace, name } = parseEntityRef(ref);
    return namespace === 'default' ? name : `${namespace}/${name}`;
  } catch {
    return ref;
  }
}

/** Whole numbers with the reader's thousands separators. */
export function formatCount(count: number) {
  return count.toLocaleString('en-US');
}

/** A list's total, e.g. "10,000+" when the server stopped counting. */
export function formatTotal(page: {
  totalCount: number;
  totalCountCapped?: boolean;
}) {
  return `${formatCount(page.totalCount)}${page.totalCountCapped ? '+' : ''}`;
}

/** "1 capability", "12 capabilities": a count with its noun agreeing. */
export function plural(count: number, one: string, many: string) {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** "1 instance", "12 instances". */
export function formatInstances(count: number) {
  return plural(count, 'instance', 'instances');
}
