import {
  ResourceOutputs,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import { KubeObject } from '../cluster/types';
import { asArray, asObject, asString, pathValue } from '../objects/json';
import {
  findCondition,
  readConditions,
  toResourceConditions,
} from './conditions';
import { statusOutputs } from './outputs';
import { NormalizedStatus } from './types';

/** Annotation that pauses Crossplane reconciliation of an object. */
const CROSSPLANE_PAUSED_ANNOTATION = 'crossplane.io/paused';

/** Status fields Crossplane itself maintains. */
const CROSSPLANE_STATUS_FIELDS = [
  'conditions',
  'connectionDetails',
  'crossplane',
  'observedGeneration',
  'claimConditionTypes',
] as const;

/**
 * The Crossplane machinery fields of a claim or XR: at the top of `spec`
 * for claims and legacy (v1) XRs, under `spec.crossplane` for v2 XRs.
 */
function crossplaneSpec(object: KubeObject | undefined) {
  const spec = object?.spec;
  return asObject(spec?.crossplane) ?? spec;
}

/** The composition revision an instance or composite is pinned to or runs. */
function compositionRevisionOf(
  object: KubeObject | undefined,
): string | undefined {
  return asString(
    pathValue(crossplaneSpec(object), 'compositionRevisionRef', 'name'),
  );
}

function describeRefs(refs: unknown): string | undefined {
  const names = asArray(refs)
    .map(asObject)
    .filter(ref => ref && asString(ref.kind) && asString(ref.name))
    .map(ref => `${ref!.kind}/${ref!.name}`);
  return names.length ? names.join(', ') : undefined;
}

/**
 * What a user wants to know of the Crossplane side: the composite behind a
 * claim, the composed resources, the secret the connection details go to.
 */
function crossplaneOutputs(
  instance: KubeObject,
  composite: KubeObject | undefined,
): ResourceOutputs {
  const outputs = statusOutputs(instance.status, CROSSPLANE_STATUS_FIELDS);
  const spec = crossplaneSpec(instance);
  const compositeRef = asObject(spec?.resourceRef);
  if (
    compositeRef &&
    asString(compositeRef.kind) &&
    asString(compositeRef.name)
  ) {
    outputs.compositeResource = `${compositeRef.kind}/${compositeRef.name}`;
  }
  const composed = describeRefs(
    crossplaneSpec(composite ?? instance)?.resourceRefs,
  );
  if (composed) {
    outputs.composedResources = composed;
  }
  const secret = asString(
    pathValue(spec, 'writeConnectionSecretToRef', 'name'),
  );
  if (secret) {
    outputs.connectionSecret = secret;
  }
  return outputs;
}

/**
 * Maps a Crossplane claim (with its composite, when known) or a v2
 * namespaced XR onto the platform's phases:
 *
 * 1. `deletionTimestamp` → Deleting
 * 2. annotation `crossplane.io/paused` or `Synced=False/ReconcilePaused` → Paused
 * 3. no conditions yet → Pending
 * 4. `Synced=False` (`ReconcileError`) → Degraded when `Ready` is still True
 *    (it was ready before: Crossplane leaves `Ready` alone on reconcile
 *    errors), else Failed
 * 5. `Synced` observed an older `metadata.generation` → Updating
 * 6. `Ready=True` → Ready
 * 7. `Ready=False/Unavailable` → Degraded; `Ready=False/Deleting` → Deleting;
 *    `Ready=False/Creating` and anything else not yet ready → Provisioning
 */
export function normalizeCrossplaneInstance(
  instance: KubeObject,
  composite?: KubeObject,
): NormalizedStatus {
  const conditions = readConditions(instance.status);
  const synced = findCondition(conditions, 'Synced');
  const ready = findCondition(conditions, 'Ready');
  const generation = instance.metadata.generation ?? 0;
  // Crossplane records observedGeneration on conditions in recent versions only.
  const generationObserved =
    synced?.observedGeneration === undefined ||
    synced.observedGeneration >= generation;

  const result = (
    phase: ResourcePhase,
    message?: string,
  ): NormalizedStatus => ({
    phase,
    message,
    conditions: toResourceConditions(conditions),
    outputs: crossplaneOutputs(instance, composite),
    // A claim's composite runs the revision; the claim only asks for it.
    appliedVersion:
      compositionRevisionOf(composite) ?? compositionRevisionOf(instance),
    generationObserved,
  });

  if (instance.metadata.deletionTimestamp) {
    return result(
      'Deleting',
      ready?.status === 'False' && ready.message
        ? ready.message
        : 'Waiting for Crossplane to delete the composed resources',
    );
  }
  if (
    instance.metadata.annotations?.[CROSSPLANE_PAUSED_ANNOTATION] === 'true' ||
    (synced?.status === 'False' && synced.reason === 'ReconcilePaused')
  ) {
    return result(
      'Paused',
      `Crossplane reconciliation is paused (annotation ${CROSSPLANE_PAUSED_ANNOTATION})`,
    );
  }
  if (conditions.length === 0) {
    return result('Pending', 'Waiting for Crossplane to pick up the request');
  }
  if (synced?.status === 'False') {
    return result(
      ready?.status === 'True' ? 'Degraded' : 'Failed',
      synced.message ?? synced.reason,
    );
  }
  if (!generationObserved) {
    return result(
      'Updating',
      'Waiting for Crossplane to reconcile the latest spec',
    );
  }
  if (ready?.status === 'True') {
    return result('Ready', ready.message);
  }
  if (ready?.status === 'False' && ready.reason === 'Unavailable') {
    return result(
      'Degraded',
      ready.message ?? 'Composed resources are unavailable',
    );
  }
  if (ready?.status === 'False' && ready.reason === 'Deleting') {
    return result('Deleting', ready.message);
  }
  return result(
    'Provisioning',
    ready?.message ?? 'Waiting for the composed resources to become ready',
  );
}
