import { ConflictError, InputError } from '@backstage/errors';
import { DesiredResource } from '@trellis/backstage-plugin-platform-node';
import {
  LEGACY_TRELLIS_DOMAIN,
  legacyKeysOf,
  readAnnotation,
  RESOURCE_ANNOTATIONS,
  RESOURCE_LABELS,
} from '@trellis/backstage-plugin-platform-common';
import { KubeObject } from '../cluster/types';

/** Hears of an old label or annotation spelling read from an object. */
export type LegacyKeyListener = (legacyKey: string, key: string) => void;

/**
 * Labels on every object the engine creates (platform-common's vocabulary);
 * the engine only watches objects that carry the resource id.
 */
export const TRELLIS_LABELS = {
  ...RESOURCE_LABELS,
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** Annotations on every object the engine creates (platform-common's vocabulary). */
export const TRELLIS_ANNOTATIONS = RESOURCE_ANNOTATIONS;

/**
 * The label engines before the `trellis.dev` vocabulary put on their
 * objects, and the key the engine still SELECTS by in this release.
 *
 * Objects already in a cluster carry only `trellis.io/resource-id`, and a
 * label selector cannot say "this key or that one" (a set-based selector
 * ORs values of one key, never two keys), so selecting on the new key would
 * lose them, and selecting on both would double every list and watch. So for
 * one release the engine writes both labels on every object it creates or
 * applies and selects on the old one, which every Trellis object carries,
 * old or new; it reads the id from the new label first. The next release
 * selects on `trellis.dev/resource-id` once the objects have it (the engine
 * adds it whenever it applies an object) and stops writing this one.
 */
export const LEGACY_RESOURCE_ID_LABEL = `${LEGACY_TRELLIS_DOMAIN}/resource-id`;

/** The label selector of the objects the engine manages (see {@link LEGACY_RESOURCE_ID_LABEL}). */
export const MANAGED_SELECTOR = LEGACY_RESOURCE_ID_LABEL;

/** The selector of the objects of one resource. */
export function resourceSelector(resourceId: string): string {
  return `${LEGACY_RESOURCE_ID_LABEL}=${resourceId}`;
}

/**
 * The old spellings of the other labels and annotations: a merge patch sets
 * them to null, so an object the engine applies again does not keep stale
 * values (an old generation, an old last-applied spec) under old keys.
 */
const LEGACY_KEYS = (values: Record<string, string>) =>
  Object.values(values)
    .filter(key => key !== RESOURCE_LABELS.resourceId)
    .flatMap(key => legacyKeysOf(key));

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Makes any string a valid label value: invalid characters become dots, at most 63 characters. */
function toLabelValue(value: string): string {
  return value
    .replace(/[^-A-Za-z0-9_.]/g, '.')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The Trellis resource id an object belongs to, if it carries one (new label first, then the old). */
export function resourceIdOf(
  object: KubeObject,
  onLegacy?: LegacyKeyListener,
): string | undefined {
  const value = readAnnotation(
    object.metadata.labels,
    TRELLIS_LABELS.resourceId,
    onLegacy,
  );
  return typeof value === 'string' && value ? value : undefined;
}

/** The spec the engine last applied to an object, as JSON text, if any. */
export function lastAppliedSpecOf(
  object: KubeObject,
  onLegacy?: LegacyKeyListener,
): string | undefined {
  const value = readAnnotation(
    object.metadata.annotations,
    TRELLIS_ANNOTATIONS.lastAppliedSpec,
    onLegacy,
  );
  return typeof value === 'string' ? value : undefined;
}

/** The labels and annotations that tie an object to its platform resource. */
export function trellisMetadata(desired: DesiredResource): {
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
} {
  if (desired.resourceId.length > 63 || !LABEL_VALUE.test(desired.resourceId)) {
    throw new InputError(
      `Resource id '${desired.resourceId}' cannot be a Kubernetes label value`,
    );
  }
  return {
    labels: {
      [TRELLIS_LABELS.resourceId]: desired.resourceId,
      [TRELLIS_LABELS.environment]: toLabelValue(desired.environment),
      [TRELLIS_LABELS.owner]: toLabelValue(desired.owner),
      [TRELLIS_LABELS.managedBy]: 'trellis',
      ...Object.fromEntries(LEGACY_KEYS(RESOURCE_LABELS).map(k => [k, null])),
      // Written for one release so that the old selector finds new objects.
      [LEGACY_RESOURCE_ID_LABEL]: desired.resourceId,
    },
    annotations: {
      ...Object.fromEntries(
        LEGACY_KEYS(RESOURCE_ANNOTATIONS).map(k => [k, null]),
      ),
      [TRELLIS_ANNOTATIONS.owner]: desired.owner,
      [TRELLIS_ANNOTATIONS.requestedBy]: desired.requestedBy,
      // null removes a component that is no longer set, in a merge patch.
      [TRELLIS_ANNOTATIONS.component]: desired.component ?? null,
      [TRELLIS_ANNOTATIONS.generation]: String(desired.generation),
      [TRELLIS_ANNOTATIONS.lastAppliedSpec]: JSON.stringify(desired.spec),
    },
  };
}

/** The platform generation last applied to an object, 0 when unknown. */
export function appliedGenerationOf(
  object: KubeObject,
  onLegacy?: LegacyKeyListener,
): number {
  const value = Number(
    readAnnotation(
      object.metadata.annotations,
      TRELLIS_ANNOTATIONS.generation,
      onLegacy,
    ),
  );
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/** The values of a label or annotation patch that set something (not the nulls that remove). */
export function withoutNulls(values: Record<string, string | null>) {
  return Object.fromEntries(
    Object.entries(values).filter(
      (entry): entry is [string, string] => entry[1] !== null,
    ),
  );
}

/** Refuses to change an object that another resource, or nobody on the platform, owns. */
export function assertManagedBy(
  object: KubeObject,
  resourceId: string,
  verb: string,
  cluster: string,
) {
  const owner = resourceIdOf(object);
  if (owner !== resourceId) {
    throw new ConflictError(
      `Cannot ${verb} ${object.kind ?? 'object'} ${object.metadata.namespace}/${
        object.metadata.name
      } on cluster '${cluster}': it ${
        owner
          ? `belongs to another platform resource (${owner})`
          : 'was not created by the platform'
      }`,
    );
  }
}
