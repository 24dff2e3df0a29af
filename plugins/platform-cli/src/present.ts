import {
  Capability,
  PlatformResource,
  ResourceEvent,
  Rollout,
} from '@trellis/backstage-plugin-platform-common';
import { age, Column, renderTable } from './output';

export const RESOURCE_COLUMNS: Column<PlatformResource>[] = [
  { heading: 'NAME', value: r => r.name },
  { heading: 'CAPABILITY', value: r => r.capabilityRef },
  { heading: 'ENVIRONMENT', value: r => r.environment },
  { heading: 'PHASE', value: r => r.status.phase },
  {
    heading: 'GENERATION',
    value: r => `${r.observedGeneration}/${r.generation}`,
  },
  { heading: 'OWNER', value: r => r.owner },
  { heading: 'AGE', value: r => age(r.createdAt) },
  { heading: 'ID', value: r => r.id },
];

export function resourceTable(resources: PlatformResource[]): string {
  return renderTable(resources, RESOURCE_COLUMNS);
}

/** `trellis get`: the fields a person looks for, then conditions and outputs. */
export function resourceDetail(r: PlatformResource): string {
  const lines: string[] = [];
  const field = (label: string, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    lines.push(`${`${label}:`.padEnd(20)}${value}`);
  };
  field('Name', r.name);
  field('ID', r.id);
  field('Capability', r.capabilityRef);
  field('Environment', r.environment);
  field('Owner', r.owner);
  field('Component', r.component);
  field('Requested by', r.requestedBy);
  field('Phase', r.status.phase);
  field('Message', r.status.message);
  field(
    'Generation',
    `${r.observedGeneration}/${r.generation} (observed/desired)`,
  );
  field('Version', r.appliedVersion);
  field('Created', r.createdAt);
  field('Ready since', r.readyAt);
  field('Updated', r.updatedAt);
  field('Deleted', r.deletedAt);
  if (r.pending) {
    field(
      'Pending',
      `${r.pending.action} ${r.pending.state}${
        r.pending.message ? `: ${r.pending.message}` : ''
      } (attempts ${r.pending.attempts})`,
    );
  }
  lines.push('Spec:');
  const spec = Object.entries(r.spec ?? {});
  if (spec.length === 0) lines.push('  (empty)');
  for (const [key, value] of spec) {
    lines.push(`  ${key}: ${JSON.stringify(value)}`);
  }
  const outputs = Object.entries(r.outputs ?? {});
  if (outputs.length > 0) {
    lines.push('Outputs:');
    for (const [key, value] of outputs) lines.push(`  ${key}: ${value}`);
  }
  if (r.status.conditions.length > 0) {
    lines.push('Conditions:');
    const table = renderTable(r.status.conditions, [
      { heading: 'TYPE', value: c => c.type },
      { heading: 'STATUS', value: c => c.status },
      { heading: 'REASON', value: c => c.reason },
      { heading: 'MESSAGE', value: c => c.message },
    ]);
    lines.push(...table.split('\n').map(line => `  ${line}`));
  }
  return lines.join('\n');
}

export function historyTable(events: ResourceEvent[]): string {
  return renderTable(events, [
    { heading: 'TIME', value: e => e.at },
    { heading: 'EVENT', value: e => e.type },
    {
      heading: 'PHASE',
      value: e =>
        e.fromPhase || e.toPhase
          ? `${e.fromPhase ?? '-'} -> ${e.toPhase ?? '-'}`
          : undefined,
    },
    { heading: 'GENERATION', value: e => e.generation },
    { heading: 'ACTOR', value: e => e.actor },
    { heading: 'MESSAGE', value: e => e.message ?? e.reason },
  ]);
}

export function rolloutTable(rollouts: Rollout[]): string {
  return renderTable(rollouts, [
    { heading: 'ID', value: r => r.id },
    { heading: 'CAPABILITY', value: r => r.capabilityRef },
    { heading: 'TARGET', value: r => r.targetVersion },
    { heading: 'STATUS', value: r => r.status },
    { heading: 'WAVE', value: r => `${r.currentWave}/${r.waveCount}` },
    {
      heading: 'DONE',
      value: r =>
        `${r.items.filter(i => i.status === 'Succeeded').length}/${
          r.items.length
        }`,
    },
    { heading: 'CREATED BY', value: r => r.createdBy },
    { heading: 'AGE', value: r => age(r.createdAt) },
  ]);
}

export function rolloutDetail(r: Rollout): string {
  const head = [
    `Rollout:     ${r.id}`,
    `Capability:  ${r.capabilityRef}`,
    `Target:      ${r.targetVersion}`,
    `Status:      ${r.status}${r.message ? ` (${r.message})` : ''}`,
    `Wave:        ${r.currentWave}/${r.waveCount} (${r.waveSize} per wave, ${r.pauseSeconds}s between)`,
    `Created:     ${r.createdAt} by ${r.createdBy}`,
  ];
  const items = renderTable(r.items, [
    { heading: 'WAVE', value: i => i.wave },
    { heading: 'RESOURCE', value: i => i.resourceName },
    { heading: 'ENVIRONMENT', value: i => i.environment },
    { heading: 'STATUS', value: i => i.status },
    { heading: 'FROM', value: i => i.fromVersion },
    { heading: 'MESSAGE', value: i => i.message },
  ]);
  return [...head, '', items].join('\n');
}

export function capabilityTable(capabilities: Capability[]): string {
  return renderTable(capabilities, [
    { heading: 'REF', value: c => c.ref },
    { heading: 'TITLE', value: c => c.title },
    { heading: 'VERSION', value: c => c.version },
    { heading: 'AVAILABLE', value: c => (c.available ? 'yes' : 'no') },
    { heading: 'OWNER', value: c => c.owner },
  ]);
}
