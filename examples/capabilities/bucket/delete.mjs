// Deletes the bucket. Like a cloud bucket, one that still holds objects is
// only deleted when the request says forceDestroy: the delete fails instead.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { capabilityDataDir, fail, readObject } from '../lib/kratix.mjs';

const { metadata, spec } = readObject();
const bucket = join(capabilityDataDir(), metadata.namespace, metadata.name);
if (existsSync(bucket)) {
  const objects = readdirSync(bucket).filter(entry => entry !== '.bucket.json');
  if (objects.length > 0 && !spec.forceDestroy) {
    fail(
      `Bucket ${metadata.name} still holds ${objects.length} object(s); empty it or set forceDestroy: true, then delete again`,
    );
  }
  rmSync(bucket, { recursive: true, force: true });
}
console.log(`Deleted bucket ${metadata.namespace}/${metadata.name}`);
