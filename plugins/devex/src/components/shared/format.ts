import { parseEntityRef } from '@backstage/catalog-model';
import { DevexTeamRow } from '@trellis/backstage-plugin-devex-common';

/** Whole numbers with thousands separators. */
export function formatCount(count: number | null | undefined) {
  return count === null || count === undefined
    ? '—'
    : count.toLocaleString('en-US');
}

/** A share (0–1) as a percentage with no decimals, or "—" when there is none. */
export function formatPercent(ratio: number | null | undefined) {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio)
    ? '—'
    : `${Math.round(ratio * 100)}%`;
}

/** Seconds as the largest two units: "2 h 5 min", "45 s". */
export function formatSeconds(seconds: number | null | undefined) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '—';
  }
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) {
    const rest = s % 60;
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

/** How a team row is named; the fold of small teams says what it is. */
export function teamLabel(row: DevexTeamRow) {
  if (row.folded || row.team === 'other') {
    const count = row.teams ?? 0;
    return `Other (${count} small ${count === 1 ? 'team' : 'teams'})`;
  }
  return row.title ?? shortEntityRef(row.team);
}
