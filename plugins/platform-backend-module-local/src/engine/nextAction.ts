import { configureWork, DELETE_WORK, InstanceRecord } from '../state/types';

export type NextAction =
  | { type: 'none' }
  | { type: 'wait'; delayMs: number }
  | { type: 'configure' }
  | { type: 'delete' };

/**
 * Compares an instance's desired state with what was last achieved and
 * decides what to do, the way a Kubernetes controller's reconcile does:
 * delete when deletion was requested, configure when the desired
 * generation or version has not been reconciled, back off after failures
 * and give up after `retryLimit` retries, or at once after a permanent
 * failure (until the desired state changes).
 */
export function nextAction(
  record: InstanceRecord,
  now: number,
  retryLimit: number,
): NextAction {
  const work = record.deletionRequestedAt ? DELETE_WORK : configureWork(record);
  if (work !== DELETE_WORK && record.reconciled === work) {
    return { type: 'none' };
  }
  const failures = record.failures?.work === work ? record.failures : undefined;
  if (failures) {
    if (failures.permanent || failures.count > retryLimit) {
      return { type: 'none' };
    }
    const retryAt = failures.retryAt ? Date.parse(failures.retryAt) : now;
    if (retryAt > now) {
      return { type: 'wait', delayMs: retryAt - now };
    }
  }
  return { type: work === DELETE_WORK ? 'delete' : 'configure' };
}
