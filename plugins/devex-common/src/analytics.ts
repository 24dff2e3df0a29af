import { JsonObject } from '@backstage/types';

/**
 * One frontend analytics event as the browser sends it in a batch to
 * `POST /api/devex/analytics`. Who did it comes from the request's
 * credentials, never from the payload.
 *
 * @public
 */
export interface AnalyticsEventInput {
  /** Unique per event (the browser makes it), so a retried batch stores nothing twice. */
  id: string;
  /** ISO 8601 time the event happened in the browser. */
  time: string;
  /** Backstage analytics action, e.g. `navigate`, `click`, `create`. */
  action: string;
  /** Backstage analytics subject, e.g. the path for `navigate`. */
  subject: string;
  /** The plugin the event came from (analytics context `pluginId`). */
  plugin?: string;
  /** The extension or route the event came from. */
  extension?: string;
  value?: number;
  attributes?: JsonObject;
}
