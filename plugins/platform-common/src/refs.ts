/**
 * Rules for names that reach an engine: DNS labels (RFC 1123), because every
 * engine ends up using them as Kubernetes object names, folder names or
 * database identifiers.
 */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Returns why `value` is not a valid DNS label, or undefined when it is.
 *
 * @public
 */
export function dnsLabelProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) {
    return 'must be a non-empty string';
  }
  if (value.length > 63) {
    return 'must be at most 63 characters';
  }
  if (!DNS_LABEL.test(value)) {
    return 'must consist of lower-case letters, digits and dashes, and start and end with a letter or digit';
  }
  return undefined;
}

/**
 * Splits a capability ref `<engine>:<name>`.
 *
 * @public
 */
export function parseCapabilityRef(
  ref: string,
): { engine: string; name: string } | undefined {
  const match = /^([a-z][-a-z0-9]*):([a-z0-9][-a-z0-9.]*)$/.exec(ref);
  return match ? { engine: match[1], name: match[2] } : undefined;
}

/** @public */
export function stringifyCapabilityRef(engine: string, name: string): string {
  return `${engine}:${name}`;
}

/** Signal channel of one resource. @public */
export function resourceSignalChannel(resourceId: string): string {
  return `platform:resource:${resourceId}`;
}

/** Signal channel of the resources of one catalog entity. @public */
export function entitySignalChannel(entityRef: string): string {
  return `platform:entity:${entityRef.toLocaleLowerCase('en-US')}`;
}
