import {
  Capability,
  FleetSummary,
  ResourcePhase,
  RESOURCE_PHASES,
} from '@trellis/backstage-plugin-platform-common';

/** Label of instances whose engine reports no version. */
export const UNKNOWN_VERSION = 'unknown';

/** The fleet of one capability: counts by version and phase. */
export interface CapabilityFleet {
  capabilityRef: string;
  capability?: Capability;
  /** Versions in the capability's order (oldest first), then unknown ones. */
  versions: string[];
  /** Phases with at least one instance, in the platform's phase order. */
  phases: ResourcePhase[];
  counts: Map<string, Map<ResourcePhase, number>>;
  total: number;
  /** Instances on a version other than the capability's current one. */
  behind: number;
  /** Instances whose engine reports no version. */
  unknown: number;
}

export function versionTotal(fleet: CapabilityFleet, version: string) {
  let sum = 0;
  for (const count of fleet.counts.get(version)?.values() ?? []) sum += count;
  return sum;
}

/** Groups the fleet summary by capability (deleted instances left out). */
export function groupFleet(
  summary: FleetSummary,
  capabilities: Capability[],
): CapabilityFleet[] {
  const byRef = new Map(capabilities.map(c => [c.ref, c]));
  const fleets = new Map<string, CapabilityFleet>();
  const fleetOf = (ref: string) => {
    let fleet = fleets.get(ref);
    if (!fleet) {
      fleet = {
        capabilityRef: ref,
        capability: byRef.get(ref),
        versions: [],
        phases: [],
        counts: new Map(),
        total: 0,
        behind: 0,
        unknown: 0,
      };
      fleets.set(ref, fleet);
    }
    return fleet;
  };

  for (const item of summary.items) {
    if (item.phase === 'Deleted' || item.count <= 0) continue;
    const fleet = fleetOf(item.capabilityRef);
    const version = item.version ?? UNKNOWN_VERSION;
    const phases = fleet.counts.get(version) ?? new Map();
    phases.set(item.phase, (phases.get(item.phase) ?? 0) + item.count);
    fleet.counts.set(version, phases);
    fleet.total += item.count;
    if (item.version === null) {
      fleet.unknown += item.count;
    } else if (fleet.capability && item.version !== fleet.capability.version) {
      fleet.behind += item.count;
    }
  }

  for (const fleet of fleets.values()) {
    const known = fleet.capability?.versions ?? [];
    const seen = [...fleet.counts.keys()];
    fleet.versions = [
      ...known.filter(v => fleet.counts.has(v)),
      ...seen.filter(v => !known.includes(v) && v !== UNKNOWN_VERSION).sort(),
      ...(fleet.counts.has(UNKNOWN_VERSION) ? [UNKNOWN_VERSION] : []),
    ];
    fleet.phases = RESOURCE_PHASES.filter(phase =>
      [...fleet.counts.values()].some(p => (p.get(phase) ?? 0) > 0),
    );
  }

  return [...fleets.values()].sort((a, b) =>
    (a.capability?.title ?? a.capabilityRef).localeCompare(
      b.capability?.title ?? b.capabilityRef,
    ),
  );
}
