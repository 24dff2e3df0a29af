import { JsonObject } from '@backstage/types';
import { StoredFact } from '../rollups/contributions';

/** A stored fact as the raw export shows it. */
export interface ExportedFact {
  id: string;
  sourceId: string;
  source: string;
  kind: string;
  time: string;
  actor?: string;
  teams: string[];
  entityRef?: string;
  templateRef?: string;
  capabilityRef?: string;
  subject?: string;
  value?: number;
  attributes: JsonObject;
  receivedAt: string;
}

export interface FactRow {
  id: number | string;
  source_id: string;
  source: string;
  kind: string;
  time: string;
  day: string;
  actor: string | null;
  teams: string;
  entity_ref: string | null;
  template_ref: string | null;
  capability_ref: string | null;
  subject: string | null;
  value: number | string | null;
  attributes: string;
  received_at: string;
}

export function factFromRow(row: FactRow): StoredFact {
  return {
    id: Number(row.id),
    sourceId: row.source_id,
    source: row.source,
    kind: row.kind,
    time: row.time,
    day: row.day,
    actor: row.actor ?? undefined,
    teams: JSON.parse(row.teams),
    entityRef: row.entity_ref ?? undefined,
    templateRef: row.template_ref ?? undefined,
    capabilityRef: row.capability_ref ?? undefined,
    subject: row.subject ?? undefined,
    value: row.value === null ? undefined : Number(row.value),
    attributes: JSON.parse(row.attributes),
  };
}

export function exportedFromRow(row: FactRow): ExportedFact {
  const fact = factFromRow(row);
  return {
    id: String(fact.id),
    sourceId: fact.sourceId,
    source: fact.source,
    kind: fact.kind,
    time: fact.time,
    ...(fact.actor ? { actor: fact.actor } : {}),
    teams: fact.teams,
    ...(fact.entityRef ? { entityRef: fact.entityRef } : {}),
    ...(fact.templateRef ? { templateRef: fact.templateRef } : {}),
    ...(fact.capabilityRef ? { capabilityRef: fact.capabilityRef } : {}),
    ...(fact.subject ? { subject: fact.subject } : {}),
    ...(fact.value !== undefined ? { value: fact.value } : {}),
    attributes: fact.attributes,
    receivedAt: row.received_at,
  };
}
