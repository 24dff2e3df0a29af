import { JsonObject } from '@backstage/types';
import { AnalyticsEventInput } from '@trellis/backstage-plugin-devex-common';

/**
 * Keys that would say who the user is. The backend takes the user from the
 * request's credentials; an event never carries it, even when another plugin
 * put it in the context or attributes.
 */
const IDENTITY_KEY =
  /^(user|userId|userEntityRef|userName|email|identity|ownershipEntityRefs|token)$/i;

/**
 * An analytics event of either frontend system (their context types differ
 * only in what they require).
 */
export interface AnyAnalyticsEvent {
  action: string;
  subject: string;
  value?: number;
  attributes?: { [key: string]: string | boolean | number };
  context: { [key: string]: string | boolean | number | undefined };
}

/** Context keys worth keeping besides plugin and extension. */
const CONTEXT_KEYS = ['routeRef', 'entityRef', 'searchTypes'];

function randomId(): string {
  const cryptoApi = globalThis.crypto;
  // randomUUID only exists in secure contexts (https or localhost).
  if (typeof cryptoApi?.randomUUID === 'function')
    return cryptoApi.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof cryptoApi?.getRandomValues === 'function') {
    cryptoApi.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = Math.floor(Math.random() * 256);
    }
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(
    12,
    16,
  )}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A Backstage analytics event as the devex backend takes it: a fresh id (so
 * a retried batch is stored once), the browser's time, where it came from,
 * and no trace of who the user is.
 */
export function toAnalyticsEventInput(
  event: AnyAnalyticsEvent,
  options: { now?: Date; id?: string } = {},
): AnalyticsEventInput {
  const attributes: JsonObject = {};
  for (const [key, value] of Object.entries(event.attributes ?? {})) {
    if (!IDENTITY_KEY.test(key) && value !== undefined) attributes[key] = value;
  }
  for (const key of CONTEXT_KEYS) {
    const value = event.context[key];
    if (value !== undefined && !(key in attributes)) attributes[key] = value;
  }
  const input: AnalyticsEventInput = {
    id: options.id ?? randomId(),
    time: (options.now ?? new Date()).toISOString(),
    action: event.action,
    subject: event.subject,
  };
  const { pluginId, extensionId } = event.context;
  if (pluginId) input.plugin = String(pluginId);
  if (extensionId) input.extension = String(extensionId);
  if (typeof event.value === 'number' && Number.isFinite(event.value)) {
    input.value = event.value;
  }
  if (Object.keys(attributes).length > 0) input.attributes = attributes;
  return input;
}
