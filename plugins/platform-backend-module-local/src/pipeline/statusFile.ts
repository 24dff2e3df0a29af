import { ResourceOutputs } from '@trellis/backstage-plugin-platform-common';
import { readFile, stat } from 'node:fs/promises';
import { parse } from 'yaml';

const MAX_STATUS_BYTES = 256 * 1024;
const MAX_OUTPUTS = 64;
const MAX_VALUE_LENGTH = 2048;
/** Keys that would put a credential in the portal; pipelines must not. */
const SECRET_KEY =
  /^(password|passwd|secret|token|api[-_]?key|private[-_]?key)$/i;

/** What a pipeline reported through `/kratix/metadata/status.yaml`. */
export interface PipelineStatus {
  message?: string;
  outputs: ResourceOutputs;
  /**
   * The step said (`retryable: false`) that running it again cannot help,
   * as when a request exceeds a quota: the failure is final.
   */
  permanent?: boolean;
  /** Keys that were dropped, with why, for the step's log. */
  dropped: string[];
}

/** Reads a status.yaml; an absent file is an empty status. */
export async function readStatusFile(file: string): Promise<PipelineStatus> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) {
      return { outputs: {}, dropped: [`${file} is not a regular file`] };
    }
    if (info.size > MAX_STATUS_BYTES) {
      return {
        outputs: {},
        dropped: [`status.yaml is larger than ${MAX_STATUS_BYTES} bytes`],
      };
    }
    text = await readFile(file, 'utf8');
  } catch {
    return { outputs: {}, dropped: [] };
  }
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: 50 });
  } catch (error) {
    return {
      outputs: {},
      dropped: [`status.yaml is not valid YAML: ${(error as Error).message}`],
    };
  }
  return toPipelineStatus(document);
}

/**
 * Turns a status document into outputs: scalars at the top level and one
 * level down (`connectionDetails.host`), as Kratix merges status into the
 * resource. `message` becomes the resource's message; `retryable: false`
 * says a failure is final, and is no output.
 */
export function toPipelineStatus(document: unknown): PipelineStatus {
  const result: PipelineStatus = { outputs: {}, dropped: [] };
  if (
    typeof document !== 'object' ||
    document === null ||
    Array.isArray(document)
  ) {
    if (document !== null && document !== undefined) {
      result.dropped.push('status.yaml must hold a mapping');
    }
    return result;
  }
  const add = (key: string, value: unknown) => {
    const leaf = key.split('.').pop()!;
    if (SECRET_KEY.test(leaf)) {
      result.dropped.push(`${key}: looks like a credential, never shown`);
    } else if (Object.keys(result.outputs).length >= MAX_OUTPUTS) {
      result.dropped.push(`${key}: more than ${MAX_OUTPUTS} outputs`);
    } else if (typeof value === 'string') {
      result.outputs[key] = value.slice(0, MAX_VALUE_LENGTH);
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      result.outputs[key] = value;
    } else {
      result.dropped.push(`${key}: not a string, number or boolean`);
    }
  };
  for (const [key, value] of Object.entries(document)) {
    if (key === 'message') {
      if (typeof value === 'string') {
        result.message = value.slice(0, MAX_VALUE_LENGTH);
      }
    } else if (key === 'retryable') {
      if (value === false) {
        result.permanent = true;
      } else if (value !== true) {
        result.dropped.push('retryable: must be true or false');
      }
    } else if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value)
    ) {
      for (const [inner, innerValue] of Object.entries(value)) {
        add(`${key}.${inner}`, innerValue);
      }
    } else {
      add(key, value);
    }
  }
  return result;
}
