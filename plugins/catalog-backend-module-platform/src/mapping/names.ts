import { createHash } from 'node:crypto';
import { PlatformLink } from '@trellis/backstage-plugin-platform-common';

const MAX_NAME_LENGTH = 63;

/**
 * Fits a generated name into the catalog's 63 characters. Long names keep a
 * readable prefix and get a hash of the whole name, so that two long names
 * with the same prefix stay apart.
 */
function boundedName(full: string): string {
  const name = full.toLocaleLowerCase('en-US');
  if (name.length <= MAX_NAME_LENGTH) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME_LENGTH - 9)}-${hash}`;
}

function refParts(capabilityRef: string): { engine: string; name: string } {
  const colon = capabilityRef.indexOf(':');
  return colon < 0
    ? { engine: '', name: capabilityRef }
    : {
        engine: capabilityRef.slice(0, colon),
        name: capabilityRef.slice(colon + 1),
      };
}

/**
 * Name of a capability's API entity: `<engine>-<name>`, dots as dashes,
 * e.g. `kratix-postgresql` for `kratix:postgresql`.
 *
 * @public
 */
export function capabilityEntityName(capabilityRef: string): string {
  const { engine, name } = refParts(capabilityRef);
  return boundedName(
    [engine, name.replace(/\./g, '-')].filter(Boolean).join('-'),
  );
}

/**
 * Name of a capability's generated Template: `request-<engine>-<name>`.
 *
 * @public
 */
export function capabilityTemplateName(capabilityRef: string): string {
  const { engine, name } = refParts(capabilityRef);
  return boundedName(
    ['request', engine, name.replace(/\./g, '-')].filter(Boolean).join('-'),
  );
}

/** The capability name of a ref, the part after the colon. */
export function capabilityNameOf(capabilityRef: string): string {
  return refParts(capabilityRef).name;
}

/**
 * Turns free-form tags into catalog tags (lower-case letters, digits, `+`,
 * `#`, single dashes; at most 63 characters) and drops what cannot be one.
 */
export function entityTags(tags: Iterable<string>): string[] {
  const result = new Set<string>();
  for (const tag of tags) {
    if (typeof tag !== 'string') continue;
    const cleaned = tag
      .toLocaleLowerCase('en-US')
      .replace(/[^a-z0-9+#]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, MAX_NAME_LENGTH)
      .replace(/-+$/, '');
    if (cleaned) result.add(cleaned);
  }
  return [...result];
}

/**
 * Entity links must be absolute URLs: paths (`/docs/...`) are taken as paths
 * in the app, anything else that is not a URL is left out.
 */
export function entityLinks(
  links: PlatformLink[],
  baseUrl: string | undefined,
): Array<{ url: string; title?: string }> {
  const result: Array<{ url: string; title?: string }> = [];
  for (const link of links) {
    if (!link || typeof link.url !== 'string') continue;
    const absolute =
      link.url.startsWith('/') && baseUrl ? `${baseUrl}${link.url}` : link.url;
    try {
      new URL(absolute); // eslint-disable-line no-new
    } catch {
      continue;
    }
    result.push(
      link.title ? { url: absolute, title: link.title } : { url: absolute },
    );
  }
  return result;
}
