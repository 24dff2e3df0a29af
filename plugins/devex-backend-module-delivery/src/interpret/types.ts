import { JsonObject } from '@backstage/types';

/**
 * A fact before mapping: the repo, login or PagerDuty service it names are
 * turned into catalog refs by the ingestor.
 */
export interface DraftFact {
  sourceId: string;
  kind: string;
  time: string;
  subject: string;
  value?: number;
  attributes: JsonObject;
  /** `<provider>:<repo>` to map to a component. */
  repo?: { provider: 'github' | 'gitlab'; name: string };
  /** A PagerDuty service id to map to a component. */
  pagerdutyService?: string;
  /** An SCM login to map to a user; `unmappable` when the payload has none usable. */
  login?: {
    provider: 'github' | 'gitlab';
    login?: string;
    unmappable?: string;
  };
}

/** What one delivery means: facts, or nothing (with why). */
export type Interpretation = { facts: DraftFact[] } | { ignored: string };

export interface InterpretOptions {
  productionEnvironments: string[];
  incidentLabel: string;
}

/** A payload that is not what its event type promises; `field` names where. */
export class PayloadError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'PayloadError';
  }
}
