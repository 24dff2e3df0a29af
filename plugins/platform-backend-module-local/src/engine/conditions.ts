import { ResourceCondition } from '@trellis/backstage-plugin-platform-common';

/**
 * The conditions the local engine reports, named and worded as Kratix words
 * them on a resource request, so a resource looks the same whichever engine
 * runs it.
 */
export const Conditions = {
  configureRunning: (): ResourceCondition => ({
    type: 'ConfigureWorkflowCompleted',
    status: 'False',
    reason: 'PipelinesInProgress',
    message: 'Pipelines are still in progress',
  }),
  configureSucceeded: (): ResourceCondition => ({
    type: 'ConfigureWorkflowCompleted',
    status: 'True',
    reason: 'PipelinesExecutedSuccessfully',
    message: 'Pipelines completed',
  }),
  configureFailed: (pipeline: string): ResourceCondition => ({
    type: 'ConfigureWorkflowCompleted',
    status: 'False',
    reason: 'ConfigureWorkflowFailed',
    message: `A Configure Pipeline has failed: ${pipeline}`,
  }),
  worksSucceeded: (commit: string): ResourceCondition => ({
    type: 'WorksSucceeded',
    status: 'True',
    reason: 'WorksSucceeded',
    message: `Outputs committed to the state store at ${commit.slice(0, 12)}`,
  }),
  worksFailing: (message: string): ResourceCondition => ({
    type: 'WorksSucceeded',
    status: 'False',
    reason: 'WorksFailing',
    message,
  }),
  reconcilePending: (message = 'Pending'): ResourceCondition => ({
    type: 'Reconciled',
    status: 'Unknown',
    reason: 'WorkflowPending',
    message,
  }),
  reconciled: (): ResourceCondition => ({
    type: 'Reconciled',
    status: 'True',
    reason: 'Reconciled',
    message: 'Reconciled',
  }),
  reconcileFailing: (message: string): ResourceCondition => ({
    type: 'Reconciled',
    status: 'False',
    reason: 'Failing',
    message,
  }),
  deleteRunning: (): ResourceCondition => ({
    type: 'DeleteWorkflowCompleted',
    status: 'False',
    reason: 'PipelinesInProgress',
    message: 'Delete pipelines are in progress',
  }),
  deleteFailed: (pipeline: string): ResourceCondition => ({
    type: 'DeleteWorkflowCompleted',
    status: 'False',
    reason: 'DeleteWorkflowFailed',
    message: `A Delete Pipeline has failed: ${pipeline}`,
  }),
};

/**
 * Sets conditions by type, keeping `lastTransitionTime` when the status of a
 * condition did not change, as Kubernetes does.
 */
export function setConditions(
  current: ResourceCondition[],
  updates: ResourceCondition[],
  now: string,
): ResourceCondition[] {
  const result = [...current];
  for (const update of updates) {
    const index = result.findIndex(c => c.type === update.type);
    const previous = index >= 0 ? result[index] : undefined;
    const next = {
      ...update,
      lastTransitionTime:
        previous && previous.status === update.status
          ? previous.lastTransitionTime ?? now
          : now,
    };
    if (index >= 0) {
      result[index] = next;
    } else {
      result.push(next);
    }
  }
  return result;
}
