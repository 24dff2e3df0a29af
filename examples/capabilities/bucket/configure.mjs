// Creates an object storage bucket: a folder on this machine with its
// settings in .bucket.json, addressable by a file:// URL. With replication,
// copies its objects into another bucket of the same environment.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  capabilityDataDir,
  fail,
  readObject,
  writeOutput,
  writeStatus,
} from '../lib/kratix.mjs';

const SETTINGS = '.bucket.json';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PREFIX = /^[A-Za-z0-9._-]{1,100}$/;

const { metadata, spec } = readObject();
const bucket = join(capabilityDataDir(), metadata.namespace, metadata.name);
const settingsFile = join(bucket, SETTINGS);
const settings = {
  versioning: spec.versioning ?? false,
  retentionDays: spec.retentionDays ?? 30,
  replication: spec.replication ?? null,
  createdAt: existsSync(settingsFile)
    ? JSON.parse(readFileSync(settingsFile, 'utf8')).createdAt
    : new Date().toISOString(),
};

mkdirSync(bucket, { recursive: true });
writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`);
console.log(`Bucket ${metadata.namespace}/${metadata.name} at ${bucket}`);

// Replication: copy every object (not the settings) into the destination,
// overwriting older copies, so running it again brings the copy up to date.
let replicated;
if (spec.replication) {
  const { bucket: target, prefix } = spec.replication.destination ?? {};
  if (typeof target !== 'string' || !DNS_LABEL.test(target)) {
    fail(
      `replication.destination.bucket ${JSON.stringify(
        target,
      )} is not a bucket name`,
    );
  }
  if (prefix !== undefined && !PREFIX.test(prefix)) {
    fail(
      `replication.destination.prefix ${JSON.stringify(
        prefix,
      )} is not a folder name`,
    );
  }
  if (target === metadata.name) {
    fail(`Bucket ${metadata.name} cannot replicate into itself`);
  }
  const destination = join(capabilityDataDir(), metadata.namespace, target);
  if (!existsSync(join(destination, SETTINGS))) {
    fail(
      `Replication destination bucket ${target} does not exist in ${metadata.namespace}; create it first`,
    );
  }
  const into = prefix ? join(destination, prefix) : destination;
  const objects = readdirSync(bucket).filter(entry => entry !== SETTINGS);
  for (const entry of objects) {
    cpSync(join(bucket, entry), join(into, entry), {
      recursive: true,
      force: true,
      verbatimSymlinks: true,
    });
  }
  replicated = { to: target, objects: objects.length };
  console.log(
    `Replicated ${objects.length} object(s) into ${
      metadata.namespace
    }/${target}${prefix ? `/${prefix}` : ''}`,
  );
}

const url = pathToFileURL(bucket).href;
writeOutput('bucket.yaml', {
  apiVersion: 'platform.trellis.dev/v1alpha1',
  kind: 'Bucket',
  metadata: { name: metadata.name, namespace: metadata.namespace },
  spec: {
    url,
    versioning: settings.versioning,
    retentionDays: settings.retentionDays,
    ...(settings.replication ? { replication: settings.replication } : {}),
  },
});
writeStatus({
  message: `Bucket ready at ${url}`,
  url,
  path: bucket,
  versioning: settings.versioning,
  retentionDays: settings.retentionDays,
  ...(replicated
    ? { replicatedTo: replicated.to, replicatedObjects: replicated.objects }
    : {}),
});
