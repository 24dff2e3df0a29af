// Naming shared by the configure and delete steps of the database capability.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * A PostgreSQL identifier for a resource: <namespace>__<name> with dashes as
 * underscores (unique, because DNS labels have no underscores), shortened
 * with a hash when longer than PostgreSQL's 63 characters.
 */
export function identifier(namespace, name) {
  const id = `${namespace}__${name}`.replace(/-/g, '_');
  if (id.length <= 63) {
    return id;
  }
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `${id.slice(0, 54)}_${hash}`;
}

/** Files this capability keeps per database in its data folder. */
export function files(dataDir, namespace, name) {
  const base = join(dataDir, namespace, name);
  return {
    state: `${base}.json`,
    password: `${base}.password`,
    sqlite: `${base}.sqlite`,
  };
}
