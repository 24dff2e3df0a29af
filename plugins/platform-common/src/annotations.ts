/**
 * The one annotation and label vocabulary of Trellis: what a platform team
 * writes on a capability definition (a Promise, an XRD, a local Promise
 * file), and what Trellis writes on the objects it creates (Kubernetes
 * objects, the local engine's resource requests, catalog entities).
 *
 * The domain is `trellis.dev`: the annotations authors already wrote most
 * (the local engine's presentation annotations, `trellis.dev/local-steps`
 * and devex's `trellis.dev/golden-path`) use it, the project's API groups
 * (`platform.trellis.dev`) use it, and it is a domain the project names in
 * its docs. The Kubernetes engine and the catalog module used to spell the
 * same things `trellis.io/...` (and the docs link `trellis.io/docs-url`), so
 * a Promise written for the local engine lost its title and docs on a
 * cluster. Readers accept those old spellings through {@link readAnnotation}
 * and say once that they are deprecated; writers use only the keys below
 * (the Kubernetes engine keeps writing its old resource-id label for one
 * release, see its `objects/metadata.ts`).
 */

/** The domain of every Trellis annotation and label. @public */
export const TRELLIS_DOMAIN = 'trellis.dev';

/** The domain Trellis used before, accepted on read only. @public */
export const LEGACY_TRELLIS_DOMAIN = 'trellis.io';

/**
 * Annotations a platform team puts on a capability definition to present it
 * in the portal; all optional. `tags` is comma-separated, `docs` a URL shown
 * as the capability's documentation link.
 * @public
 */
export const CAPABILITY_ANNOTATIONS = {
  title: 'trellis.dev/title',
  description: 'trellis.dev/description',
  owner: 'trellis.dev/owner',
  tags: 'trellis.dev/tags',
  docs: 'trellis.dev/docs',
  /** Local engine: the pipeline steps it runs as local commands. */
  localSteps: 'trellis.dev/local-steps',
  /**
   * `"true"`: every create, update and delete of the capability's resources
   * needs a person's approval (becomes a change request).
   */
  requiresApproval: 'trellis.dev/requires-approval',
} as const;

/**
 * Whether a capability's `requiresApproval` annotation value asks for
 * approval: `"true"` (any case, trimmed) does, anything else does not.
 * @public
 */
export function parseRequiresApproval(value: string | undefined): boolean {
  return (value ?? '').trim().toLocaleLowerCase('en-US') === 'true';
}

/**
 * The tags of a capability's `tags` annotation: comma-separated, trimmed,
 * lower-cased (catalog entity tags are lower-case) and each once, so every
 * engine offers the same tags for the same annotation.
 * @public
 */
export function parseTagList(value: string | undefined): string[] {
  const tags = (value ?? '')
    .split(',')
    .map(tag => tag.trim().toLocaleLowerCase('en-US'))
    .filter(Boolean);
  return [...new Set(tags)];
}

/**
 * Labels Trellis puts on the objects it creates, to select them by.
 * Label values cannot hold every character of an entity ref, so `owner` is
 * the ref made a label value (e.g. `group.default.team-a`).
 * @public
 */
export const RESOURCE_LABELS = {
  resourceId: 'trellis.dev/resource-id',
  environment: 'trellis.dev/environment',
  owner: 'trellis.dev/owner',
} as const;

/** Annotations Trellis puts on the objects it creates. @public */
export const RESOURCE_ANNOTATIONS = {
  resourceId: 'trellis.dev/resource-id',
  owner: 'trellis.dev/owner',
  requestedBy: 'trellis.dev/requested-by',
  component: 'trellis.dev/component',
  /** The platform's generation of the spec last applied. */
  generation: 'trellis.dev/generation',
  /** The spec last applied (JSON), to remove fields dropped from it. */
  lastAppliedSpec: 'trellis.dev/last-applied-spec',
} as const;

/** Annotations on the catalog entities Trellis provides. @public */
export const ENTITY_ANNOTATIONS = {
  capabilityRef: 'trellis.dev/capability-ref',
  engine: 'trellis.dev/engine',
  capabilityVersion: 'trellis.dev/capability-version',
  resourceId: 'trellis.dev/resource-id',
  environment: 'trellis.dev/environment',
  phase: 'trellis.dev/phase',
  engineRef: 'trellis.dev/engine-ref',
  /**
   * On components: the template (golden path) that created them. devex-common
   * exports the same key as `GOLDEN_PATH_ANNOTATION` (it does not depend on
   * platform-common).
   */
  goldenPath: 'trellis.dev/golden-path',
} as const;

/**
 * The old spellings of a key, newest first: the same name under
 * `trellis.io`, and for the docs link also `docs-url`.
 * @public
 */
export function legacyKeysOf(key: string): string[] {
  const prefix = `${TRELLIS_DOMAIN}/`;
  if (!key.startsWith(prefix)) {
    return [];
  }
  const name = key.slice(prefix.length);
  const legacy = [`${LEGACY_TRELLIS_DOMAIN}/${name}`];
  if (name === 'docs') {
    legacy.unshift(`${LEGACY_TRELLIS_DOMAIN}/docs-url`);
    legacy.push(`${TRELLIS_DOMAIN}/docs-url`);
  }
  return legacy;
}

/**
 * Reads an annotation (or label) by its canonical key, falling back to its
 * old spellings; `onLegacy` hears of every old spelling used.
 * @public
 */
export function readAnnotation(
  annotations: Record<string, unknown> | undefined,
  key: string,
  onLegacy?: (legacyKey: string, key: string) => void,
): unknown {
  if (!annotations) {
    return undefined;
  }
  if (annotations[key] !== undefined) {
    return annotations[key];
  }
  for (const legacyKey of legacyKeysOf(key)) {
    if (annotations[legacyKey] !== undefined) {
      onLegacy?.(legacyKey, key);
      return annotations[legacyKey];
    }
  }
  return undefined;
}

/**
 * A listener for {@link readAnnotation} that warns once per subject (a
 * capability, an object kind) and old key, not on every read: definitions
 * and objects are read again on every poll and watch event.
 * @public
 */
export function createLegacyAnnotationWarner(
  warn: (message: string) => void,
): (subject: string) => (legacyKey: string, key: string) => void {
  const warned = new Set<string>();
  return subject => (legacyKey, key) => {
    const id = `${subject}\u0000${legacyKey}`;
    if (warned.has(id)) {
      return;
    }
    warned.add(id);
    warn(
      `${subject} uses the deprecated annotation ${legacyKey}; write ${key} instead (the old spelling will stop being read in a future release)`,
    );
  };
}
