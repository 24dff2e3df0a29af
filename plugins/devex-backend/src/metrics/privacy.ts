import { DevexTeamRow } from '@trellis/backstage-plugin-devex-common';

/** The row every team smaller than the privacy minimum is folded into. */
export const OTHER = 'other';

export interface TeamInfo {
  members: number;
  title?: string;
}

/**
 * Splits teams into those shown by name (at least `minGroupSize` current
 * members) and those folded into "other". Teams without members are left out.
 */
export function foldTeams(
  teams: Map<string, TeamInfo>,
  minGroupSize: number,
): { shown: [string, TeamInfo][]; folded: string[] } {
  const shown: [string, TeamInfo][] = [];
  const folded: string[] = [];
  for (const [ref, info] of [...teams].sort(([a], [b]) => a.localeCompare(b))) {
    if (info.members === 0) continue;
    if (info.members >= minGroupSize) shown.push([ref, info]);
    else folded.push(ref);
  }
  return { shown, folded };
}

export function teamRow(ref: string, info: TeamInfo): DevexTeamRow {
  return info.title ? { team: ref, title: info.title } : { team: ref };
}

export function otherRow(folded: string[]): DevexTeamRow {
  return {
    team: OTHER,
    title: 'Other (small teams)',
    folded: true,
    teams: folded.length,
  };
}
