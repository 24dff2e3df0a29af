import { InputError } from '@backstage/errors';
import { DesiredResource } from '@trellis/backstage-plugin-platform-node';
import { KubeObject } from '../cluster/types';

/** Labels on every object the engine creates; the engine only watches objects that carry the resource id. */
export const TRELLIS_LABELS = {
  resourceId: 'trellis.io/resource-id',
  environment: 'trellis.io/environment',
  /** The owner entity ref made a label value, e.g. `group.default.team-a`. */
  owner: 'trellis.io/owner',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** Annotations on every object the engine creates. */
export const TRELLIS_ANNOTATIONS = {
  owner: 'trellis.io/owner',
  requestedBy: 'trellis.io/requested-by',
  component: 'trellis.io/component',
  /** The platform's generation of the spec last applied. */
  generation: 'trellis.io/generation',
  /**
   * The spec last applied, so that fields removed from the desired spec can
   * be removed from the object without touching fields controllers set
   * (kubectl's last-applied-configuration, for `spec` only).
   */
  lastAppliedSpec: 'trellis.io/last-applied-spec',
} as const;

/** The label selector of the objects the engine manages. */
export const MANAGED_SELECTOR = TRELLIS_LABELS.resourceId;

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Makes any string a valid label value: invalid characters become dots, at most 63 characters. */
function toLabelValue(value: string): string {
  return value
    .replace(/[^-A-Za-z0-9_.]/g, '.')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The Trellis resource id an object belongs to, if it carries one. */
export function resourceIdOf(object: KubeObject): string | undefined {
  return object.metadata.labels?.[TRELLIS_LABELS.resourceId] || undefined;
}

/** The labels and annotations that tie an object to its platform resource. */
export function trellisMetadata(desired: DesiredResource): {
  labels: Record<string, string>;
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
    },
    annotations: {
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
export function appliedGenerationOf(object: KubeObject): number {
  const value = Number(
    object.metadata.annotations?.[TRELLIS_ANNOTATIONS.generation],
  );
  return Number.isInteger(value) && value > 0 ? value : 0;
}
