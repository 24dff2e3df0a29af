import { createHash } from 'node:crypto';
import {
  DevexFactKind,
  IngestResult,
} from '@trellis/backstage-plugin-devex-common';
import { FactStore } from '../database/FactStore';
import { FactFieldError, validTime } from './validateFact';

/** Largest batch `POST /analytics` takes (the OpenAPI spec says the same). */
export const MAX_ANALYTICS_BATCH = 500;

const SUBJECT_LENGTH = 500;

function text(
  event: Record<string, unknown>,
  field: string,
  max: number,
  required: boolean,
) {
  const value = event[field];
  if (value === undefined || value === null) {
    if (required) throw new FactFieldError(field, 'is required');
    return undefined;
  }
  if (typeof value !== 'string' || (required && value.length === 0)) {
    throw new FactFieldError(field, 'must be a string');
  }
  if (value.length > max)
    throw new FactFieldError(field, `must be at most ${max} characters`);
  return value;
}

/**
 * Turns a browser's analytics batch into `activity` facts of `user` (from the
 * request's credentials, never the payload) and stores them. A bad event is
 * rejected with its index and field; the others are stored.
 */
export async function ingestAnalytics(
  store: FactStore,
  user: string,
  events: unknown[],
  now = new Date(),
): Promise<IngestResult> {
  const actor = user.toLocaleLowerCase('en-US');
  const rejected: IngestResult['rejected'] = [];
  const facts: unknown[] = [];
  const positions: number[] = [];
  events.forEach((input, index) => {
    try {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new FactFieldError('', 'an event must be an object');
      }
      const event = input as Record<string, unknown>;
      const id = text(event, 'id', 200, true)!;
      const time = validTime(event.time, 'time', now);
      const action = text(event, 'action', 100, true)!;
      const subject = (text(event, 'subject', 4000, false) ?? '').slice(
        0,
        SUBJECT_LENGTH,
      );
      const plugin = text(event, 'plugin', 100, false);
      const extension = text(event, 'extension', 200, false);
      if (
        event.value !== undefined &&
        (typeof event.value !== 'number' || !Number.isFinite(event.value))
      ) {
        throw new FactFieldError('value', 'must be a finite number');
      }
      if (
        event.attributes !== undefined &&
        (typeof event.attributes !== 'object' ||
          event.attributes === null ||
          Array.isArray(event.attributes))
      ) {
        throw new FactFieldError('attributes', 'must be an object');
      }
      let sourceId = `analytics:${actor}:${id}`;
      if (sourceId.length > 255) {
        sourceId = `analytics:sha256:${createHash('sha256')
          .update(`${actor}:${id}`)
          .digest('hex')}`;
      }
      facts.push({
        sourceId,
        kind: DevexFactKind.activity,
        time,
        actor,
        ...(typeof event.value === 'number' ? { value: event.value } : {}),
        attributes: {
          plugin: plugin ?? 'unknown',
          action,
          subject,
          ...(action === 'navigate' ? { path: subject } : {}),
          ...(extension ? { extension } : {}),
        },
      });
      positions.push(index);
    } catch (error) {
      if (!(error instanceof FactFieldError)) throw error;
      rejected.push({ index, field: error.field, message: error.message });
    }
  });
  const result = await store.write('analytics', facts, now);
  return {
    accepted: result.accepted,
    duplicates: result.duplicates,
    rejected: [
      ...rejected,
      ...result.rejected.map(r => ({ ...r, index: positions[r.index] })),
    ].sort((a, b) => a.index - b.index),
  };
}
