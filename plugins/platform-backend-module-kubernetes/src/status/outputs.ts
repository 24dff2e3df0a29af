import { ResourceOutputs } from '@trellis/backstage-plugin-platform-common';
import { isJsonObject } from '../objects/json';

/**
 * Turns the status fields a pipeline or composition publishes (everything
 * but the engine's own bookkeeping in `omit`) into flat outputs: nested
 * objects become dotted keys (`connectionDetails.host`), lists become JSON.
 */
export function statusOutputs(
  status: unknown,
  omit: readonly string[],
): ResourceOutputs {
  const outputs: ResourceOutputs = {};
  if (!isJsonObject(status)) {
    return outputs;
  }
  const visit = (value: unknown, key: string) => {
    if (value === null || value === undefined) {
      return;
    }
    if (
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      outputs[key] = value;
    } else if (Array.isArray(value)) {
      outputs[key] = JSON.stringify(value);
    } else if (isJsonObject(value)) {
      for (const [child, childValue] of Object.entries(value)) {
        visit(childValue, `${key}.${child}`);
      }
    }
  };
  for (const [key, value] of Object.entries(status)) {
    if (!omit.includes(key)) {
      visit(value, key);
    }
  }
  return outputs;
}
