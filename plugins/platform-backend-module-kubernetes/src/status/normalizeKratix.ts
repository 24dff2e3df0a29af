import { ResourcePhase } from '@trellis/backstage-plugin-platform-common';
import { KubeObject } from '../cluster/types';
import { asNumber, asString, pathValue } from '../objects/json';
import {
  findCondition,
  readConditions,
  toResourceConditions,
} from './conditions';
import { statusOutputs } from './outputs';
import { NormalizedStatus } from './types';

/** Label that pauses Kratix reconciliation of a resource request. */
const KRATIX_PAUSED_LABEL = 'kratix.io/paused';

/** Status fields Kratix itself maintains; everything else a pipeline wrote is an output. */
const KRATIX_STATUS_FIELDS = [
  'conditions',
  'observedGeneration',
  'message',
  'promiseVersion',
  'workflows',
  'workflowsSucceeded',
  'workflowsFailed',
  'kratix',
  'lastSuccessfulConfigureWorkflowTime',
] as const;

/**
 * Maps a Kratix resource request onto the platform's phases. Kratix has no
 * `Ready` condition on requests; the state is spread over
 * `ConfigureWorkflowCompleted`, `WorksSucceeded`, `Reconciled` and, while
 * deleting, `DeleteWorkflowCompleted`. Checked from the most to the least
 * decisive:
 *
 * 1. `deletionTimestamp` → Deleting (saying so when the delete workflow failed)
 * 2. label `kratix.io/paused` or `Reconciled=Unknown/PausedReconciliation` → Paused
 * 3. no conditions yet → Pending
 * 4. `ConfigureWorkflowCompleted=False/ConfigureWorkflowFailed` → Failed
 * 5. `PromiseAvailable=False` (the Promise's requirements are missing) → Pending
 * 6. spec newer than `status.observedGeneration` → Updating
 * 7. `ConfigureWorkflowCompleted` not True (`PipelinesInProgress`) → Provisioning,
 *    or Updating when a configure workflow succeeded before (a re-run or upgrade)
 * 8. `WorksSucceeded=False` (`WorksFailing`, `WorksMisplaced`) → Degraded
 * 9. `Reconciled=True` (or, from Kratix versions without `Reconciled`,
 *    `ConfigureWorkflowCompleted=True`) → Ready
 * 10. `Reconciled=False` → Degraded after an earlier success, else Failed
 * 11. `WorksSucceeded`/`Reconciled` Unknown (works pending) → Provisioning
 */
export function normalizeKratixRequest(object: KubeObject): NormalizedStatus {
  const status = object.status;
  const conditions = readConditions(status);
  const configure = findCondition(conditions, 'ConfigureWorkflowCompleted');
  const works = findCondition(conditions, 'WorksSucceeded');
  const reconciled = findCondition(conditions, 'Reconciled');
  const deleteWorkflow = findCondition(conditions, 'DeleteWorkflowCompleted');
  const promiseAvailable = findCondition(conditions, 'PromiseAvailable');

  const generation = object.metadata.generation ?? 0;
  // Kratix versions that do not write observedGeneration cannot say; trust the conditions then.
  const observedGeneration = asNumber(status?.observedGeneration);
  const generationObserved =
    observedGeneration === undefined || observedGeneration >= generation;
  const configuredBefore = Boolean(
    pathValue(
      status,
      'kratix',
      'workflows',
      'lastSuccessfulConfigureWorkflowTime',
    ) ?? status?.lastSuccessfulConfigureWorkflowTime,
  );

  const result = (
    phase: ResourcePhase,
    message?: string,
  ): NormalizedStatus => ({
    phase,
    message,
    conditions: toResourceConditions(conditions),
    outputs: statusOutputs(status, KRATIX_STATUS_FIELDS),
    appliedVersion: asString(status?.promiseVersion),
    generationObserved,
  });

  if (object.metadata.deletionTimestamp) {
    if (deleteWorkflow?.status === 'False') {
      return result(
        'Deleting',
        `The delete workflow failed (${
          deleteWorkflow.reason ?? 'unknown reason'
        }): ${
          deleteWorkflow.message ?? 'no message'
        }; the request stays until the delete workflow succeeds`,
      );
    }
    return result('Deleting', 'Waiting for the delete workflow to finish');
  }
  if (
    object.metadata.labels?.[KRATIX_PAUSED_LABEL] === 'true' ||
    (reconciled?.status === 'Unknown' &&
      reconciled.reason === 'PausedReconciliation')
  ) {
    return result(
      'Paused',
      `Kratix reconciliation is paused (label ${KRATIX_PAUSED_LABEL})`,
    );
  }
  if (conditions.length === 0) {
    return result('Pending', 'Waiting for Kratix to pick up the request');
  }
  if (
    configure?.status === 'False' &&
    configure.reason === 'ConfigureWorkflowFailed'
  ) {
    return result('Failed', configure.message ?? 'A configure pipeline failed');
  }
  if (promiseAvailable?.status === 'False') {
    return result(
      'Pending',
      promiseAvailable.message ?? 'The Promise is not available yet',
    );
  }
  if (!generationObserved) {
    return result(
      'Updating',
      'Waiting for Kratix to reconcile the latest spec',
    );
  }
  if (configure && configure.status !== 'True') {
    return result(
      configuredBefore ? 'Updating' : 'Provisioning',
      configure.message ?? 'Configure pipelines are running',
    );
  }
  if (works?.status === 'False') {
    return result('Degraded', works.message ?? 'Some works failed');
  }
  if (
    reconciled?.status === 'True' ||
    (!reconciled && configure?.status === 'True')
  ) {
    return result('Ready', asString(status?.message) ?? reconciled?.message);
  }
  if (reconciled?.status === 'False') {
    return result(
      configuredBefore ? 'Degraded' : 'Failed',
      reconciled.message ?? reconciled.reason,
    );
  }
  if (works?.status === 'Unknown' || reconciled?.status === 'Unknown') {
    return result(
      'Provisioning',
      works?.status === 'Unknown' ? works.message : reconciled?.message,
    );
  }
  return result('Unknown', 'Kratix reports no state the engine understands');
}
