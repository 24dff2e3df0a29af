/**
 * How platform resources are named in the software catalog. The catalog
 * provider creates the entities and the scaffolder actions link to them before
 * they exist, so both must derive the name from the same rule.
 */

/** Backstage entity names are at most 63 characters. */
const MAX_ENTITY_NAME_LENGTH = 63;
/** Room for `-` and 8 hex characters of the hash after the prefix. */
const TRUNCATED_PREFIX_LENGTH = 54;

/**
 * The name of the catalog `Resource` entity of a platform resource:
 * `<capability name>-<name>-<environment>`, where the capability name is the
 * part of the capability ref after `:` with dots turned into dashes. Names
 * longer than 63 characters keep their first 54 characters plus `-` and the
 * 8 hex characters of a hash (FNV-1a) of the full name, so they stay
 * unique.
 *
 * @example
 * resourceEntityName({ capabilityRef: 'local:postgresql', name: 'orders-db', environment: 'dev' })
 * // 'postgresql-orders-db-dev'
 *
 * @public
 */
export function resourceEntityName(resource: {
  capabilityRef: string;
  name: string;
  environment: string;
}): string {
  const { capabilityRef, name, environment } = resource;
  const capabilityName = capabilityRef
    .slice(capabilityRef.indexOf(':') + 1)
    .replace(/\./g, '-')
    .toLocaleLowerCase('en-US');
  const full = `${capabilityName}-${name}-${environment}`;
  if (full.length <= MAX_ENTITY_NAME_LENGTH) {
    return full;
  }
  return `${full.slice(0, TRUNCATED_PREFIX_LENGTH)}-${fnv1aHex(full)}`;
}

/**
 * The entity ref of the catalog `Resource` entity of a platform resource,
 * e.g. `resource:default/postgresql-orders-db-dev`.
 *
 * @public
 */
export function resourceEntityRef(resource: {
  capabilityRef: string;
  name: string;
  environment: string;
}): string {
  return `resource:default/${resourceEntityName(resource)}`;
}

/**
 * FNV-1a (32 bit) of the UTF-16 code units of `text`, as 8 hex characters.
 * Synchronous, so that the browser can name entities while rendering; it only
 * needs to keep apart names that share their first 54 characters.
 */
function fnv1aHex(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
