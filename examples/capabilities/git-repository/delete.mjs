// Removes the bare repository. Deleting what is already gone succeeds.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { capabilityDataDir, readObject } from '../lib/kratix.mjs';

const { metadata } = readObject();
const repository = join(
  capabilityDataDir(),
  metadata.namespace,
  `${metadata.name}.git`,
);
rmSync(repository, { recursive: true, force: true });
console.log(`Removed ${repository}`);
