// The Kratix pipeline contract for scripts, usable both by the local engine
// (which passes the folders in KRATIX_*_DIR variables) and in a Kratix
// container (where they are /kratix/input, /kratix/output, /kratix/metadata).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const inputFile = process.env.KRATIX_INPUT_FILE ?? '/kratix/input/object.yaml';
const outputDir = process.env.KRATIX_OUTPUT_DIR ?? '/kratix/output';
const metadataDir = process.env.KRATIX_METADATA_DIR ?? '/kratix/metadata';
const statusFile = join(metadataDir, 'status.yaml');

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The resource request: apiVersion, kind, metadata, spec, status. */
export function readObject() {
  const object = parse(readFileSync(inputFile, 'utf8'));
  // Names become file and database names below: check them here too, so
  // the script is safe wherever it runs.
  for (const field of ['name', 'namespace']) {
    const value = object?.metadata?.[field];
    if (typeof value !== 'string' || !DNS_LABEL.test(value)) {
      fail(`metadata.${field} ${JSON.stringify(value)} is not a DNS label`);
    }
  }
  return { ...object, spec: object.spec ?? {} };
}

/** Writes a document that the engine commits to the state store. */
export function writeOutput(fileName, document) {
  mkdirSync(outputDir, { recursive: true });
  writeFileSync(join(outputDir, fileName), stringify(document));
}

/**
 * Merges values into status.yaml. `message` becomes the resource's message,
 * the other values its outputs: never put a password here.
 */
export function writeStatus(values) {
  const current = existsSync(statusFile)
    ? parse(readFileSync(statusFile, 'utf8')) ?? {}
    : {};
  mkdirSync(metadataDir, { recursive: true });
  writeFileSync(statusFile, stringify({ ...current, ...values }));
}

/**
 * Reports why the step failed, and fails it. `retryable: false` says that
 * running the step again cannot help (the request is over a quota, or
 * invalid): the local engine then fails the resource at once, without retries.
 */
export function fail(message, { retryable = true } = {}) {
  writeStatus(retryable ? { message } : { message, retryable: false });
  console.error(message);
  process.exit(1);
}

/** The folder where this capability keeps what it creates on this machine. */
export function capabilityDataDir() {
  const dir = process.env.TRELLIS_CAPABILITY_DATA_DIR;
  if (!dir) {
    fail(
      'TRELLIS_CAPABILITY_DATA_DIR is not set: run this step with the Trellis local engine',
    );
  }
  return dir;
}
