// Creates an object storage bucket: a folder on this machine with its
// settings in .bucket.json, addressable by a file:// URL.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  capabilityDataDir,
  readObject,
  writeOutput,
  writeStatus,
} from '../lib/kratix.mjs';

const { metadata, spec } = readObject();
const bucket = join(capabilityDataDir(), metadata.namespace, metadata.name);
const settingsFile = join(bucket, '.bucket.json');
const settings = {
  versioning: spec.versioning ?? false,
  retentionDays: spec.retentionDays ?? 30,
  createdAt: existsSync(settingsFile)
    ? JSON.parse(readFileSync(settingsFile, 'utf8')).createdAt
    : new Date().toISOString(),
};

mkdirSync(bucket, { recursive: true });
writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`);
console.log(`Bucket ${metadata.namespace}/${metadata.name} at ${bucket}`);

const url = pathToFileURL(bucket).href;
writeOutput('bucket.yaml', {
  apiVersion: 'platform.trellis.dev/v1alpha1',
  kind: 'Bucket',
  metadata: { name: metadata.name, namespace: metadata.namespace },
  spec: {
    url,
    versioning: settings.versioning,
    retentionDays: settings.retentionDays,
  },
});
writeStatus({
  message: `Bucket ready at ${url}`,
  url,
  path: bucket,
  versioning: settings.versioning,
  retentionDays: settings.retentionDays,
});
