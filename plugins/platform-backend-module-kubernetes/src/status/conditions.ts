import { ResourceCondition } from '@trellis/backstage-plugin-platform-common';
import { asArray, asNumber, asObject, asString } from '../objects/json';

/** A condition as Kubernetes writes it, with the generation it was set at. */
export interface KubeCondition extends ResourceCondition {
  observedGeneration?: number;
}

const STATUSES = new Set(['True', 'False', 'Unknown']);

/** The well-formed conditions of `status.conditions`. */
export function readConditions(status: unknown): KubeCondition[] {
  const conditions: KubeCondition[] = [];
  for (const item of asArray(asObject(status)?.conditions)) {
    const condition = asObject(item);
    const type = asString(condition?.type);
    const value = asString(condition?.status);
    if (!condition || !type || !value || !STATUSES.has(value)) {
      continue;
    }
    conditions.push({
      type,
      status: value as ResourceCondition['status'],
      reason: asString(condition.reason),
      message: asString(condition.message),
      lastTransitionTime: asString(condition.lastTransitionTime),
      observedGeneration: asNumber(condition.observedGeneration),
    });
  }
  return conditions;
}

/** The conditions as the platform reports them (without engine bookkeeping). */
export function toResourceConditions(
  conditions: KubeCondition[],
): ResourceCondition[] {
  return conditions.map(({ observedGeneration: _, ...condition }) => {
    const result: ResourceCondition = {
      type: condition.type,
      status: condition.status,
    };
    if (condition.reason) result.reason = condition.reason;
    if (condition.message) result.message = condition.message;
    if (condition.lastTransitionTime) {
      result.lastTransitionTime = condition.lastTransitionTime;
    }
    return result;
  });
}

export function findCondition(
  conditions: KubeCondition[],
  type: string,
): KubeCondition | undefined {
  return conditions.find(condition => condition.type === type);
}
