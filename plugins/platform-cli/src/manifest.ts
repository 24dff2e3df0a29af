import { CreateResourceRequest } from '@trellis/backstage-plugin-platform-common';
import YAML from 'yaml';
import { usageError } from './exitCodes';

/** The fields of a request file: those of `POST /resources`. */
const FIELDS: Record<keyof CreateResourceRequest, 'string' | 'object'> = {
  capabilityRef: 'string',
  name: 'string',
  environment: 'string',
  owner: 'string',
  component: 'string',
  spec: 'object',
  version: 'string',
};
const REQUIRED: Array<keyof CreateResourceRequest> = [
  'capabilityRef',
  'name',
  'environment',
  'owner',
];

/** One request of a file, and where it came from, for messages. */
export interface ManifestEntry {
  request: CreateResourceRequest;
  /** `request.yaml`, or `request.yaml (document 2)` in a multi-document file. */
  where: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the requests of a YAML or JSON file (several YAML documents make
 * several requests). Checks the shape only: the backend checks the rest (name
 * rules, entity refs, the spec against the capability's schema) and its
 * messages name the field too.
 */
export function parseManifest(text: string, source: string): ManifestEntry[] {
  let documents: YAML.Document.Parsed[];
  try {
    documents = YAML.parseAllDocuments(text) as YAML.Document.Parsed[];
  } catch (error) {
    throw usageError(`${source}: is not YAML or JSON: ${String(error)}`);
  }
  if (!Array.isArray(documents)) documents = [documents];
  const entries: ManifestEntry[] = [];
  documents.forEach((document, index) => {
    const where =
      documents.length > 1 ? `${source} (document ${index + 1})` : source;
    if (document.errors.length > 0) {
      const first = document.errors[0];
      throw usageError(
        `${where}: is not valid YAML: ${first.message.split('\n')[0]}`,
      );
    }
    const value = document.toJS();
    if (value === null || value === undefined) return; // an empty document
    entries.push({ request: checkRequest(value, where), where });
  });
  if (entries.length === 0) {
    throw usageError(`${source}: has no request in it`);
  }
  return entries;
}

function checkRequest(value: unknown, where: string): CreateResourceRequest {
  if (!isPlainObject(value)) {
    throw usageError(
      `${where}: must be a mapping with the fields ${Object.keys(FIELDS).join(
        ', ',
      )}`,
    );
  }
  const problems: string[] = [];
  for (const key of Object.keys(value)) {
    if (!(key in FIELDS)) {
      problems.push(
        `${key}: is not a field of a request (its fields are ${Object.keys(
          FIELDS,
        ).join(', ')})`,
      );
    }
  }
  for (const field of REQUIRED) {
    if (value[field] === undefined || value[field] === null) {
      problems.push(`${field}: is required`);
    }
  }
  for (const [field, type] of Object.entries(FIELDS)) {
    const fieldValue = value[field];
    if (fieldValue === undefined || fieldValue === null) continue;
    if (type === 'string' && typeof fieldValue !== 'string') {
      problems.push(`${field}: must be a string`);
    }
    if (type === 'object' && !isPlainObject(fieldValue)) {
      problems.push(`${field}: must be a mapping`);
    }
  }
  if (problems.length > 0) {
    throw usageError(`${where}: ${problems.join('; ')}`);
  }
  const request: CreateResourceRequest = {
    capabilityRef: value.capabilityRef as string,
    name: value.name as string,
    environment: value.environment as string,
    owner: value.owner as string,
  };
  if (value.component !== undefined && value.component !== null) {
    request.component = value.component as string;
  }
  if (value.version !== undefined && value.version !== null) {
    request.version = value.version as string;
  }
  request.spec = (value.spec ?? {}) as CreateResourceRequest['spec'];
  return request;
}
