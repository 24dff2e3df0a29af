import { JsonObject } from '@backstage/types';
import {
  DevexFact,
  DevexFactKind,
} from '@trellis/backstage-plugin-devex-common';
import {
  ResourceFeedEvent,
  ResourcePhase,
  Rollout,
} from '@trellis/backstage-plugin-platform-common';

/** Phases that mean nobody picked the request up: it went away first. */
const NOT_PICKED_UP: ResourcePhase[] = ['Pending', 'Deleting', 'Deleted'];

function seconds(from: string, to: string): number | undefined {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(0, ms / 1000) : undefined;
}

/**
 * The facts one event of the platform's history stands for (none for most).
 *
 * Firsts (requested, picked up, first Ready, deleted) get a sourceId per
 * resource, so the store's idempotency keeps only the first: a resource that
 * is Ready again after an update is not a second "ready". Failures get one
 * per event.
 */
export function factsOfFeedEvent(item: ResourceFeedEvent): DevexFact[] {
  const { event, resource } = item;
  const base = {
    time: event.at,
    capabilityRef: resource.capabilityRef,
    ...(resource.component ? { entityRef: resource.component } : {}),
  };
  const attributes: JsonObject = {
    resourceId: resource.id,
    environment: resource.environment,
    engine: resource.engineId,
    owner: resource.owner,
  };
  const resourceKey = `platform:resource/${resource.id}`;
  const sinceRequest = seconds(resource.createdAt, event.at);
  const facts: DevexFact[] = [];

  if (event.type === 'requested') {
    facts.push({
      ...base,
      sourceId: `${resourceKey}/requested`,
      kind: DevexFactKind.platformRequested,
      actor: resource.requestedBy,
      attributes,
    });
  }
  if (event.type === 'phase-changed' && event.toPhase) {
    if (
      event.fromPhase === 'Pending' &&
      !NOT_PICKED_UP.includes(event.toPhase)
    ) {
      facts.push({
        ...base,
        sourceId: `${resourceKey}/picked-up`,
        kind: DevexFactKind.platformPickedUp,
        value: sinceRequest,
        attributes: { ...attributes, phase: event.toPhase },
      });
    }
    if (event.toPhase === 'Ready') {
      facts.push({
        ...base,
        sourceId: `${resourceKey}/ready`,
        kind: DevexFactKind.platformReady,
        value: sinceRequest,
        attributes,
      });
    }
    if (event.toPhase === 'Failed') {
      const message = event.message ?? event.reason;
      facts.push({
        ...base,
        sourceId: `platform:event/${event.id}`,
        kind: DevexFactKind.platformFailed,
        attributes: {
          ...attributes,
          ...(event.fromPhase ? { phaseBefore: event.fromPhase } : {}),
          ...(message ? { message: message.slice(0, 1000) } : {}),
          ...(event.reason ? { reason: event.reason } : {}),
        },
      });
    }
  }
  if (event.type === 'deleted') {
    facts.push({
      ...base,
      sourceId: `${resourceKey}/deleted`,
      kind: DevexFactKind.platformDeleted,
      value: sinceRequest,
      attributes,
    });
  }
  for (const fact of facts) if (fact.value === undefined) delete fact.value;
  return facts;
}

/** The fact of a rollout that has finished; undefined while it runs or is paused. */
export function factOfRollout(rollout: Rollout): DevexFact | undefined {
  if (rollout.status !== 'Completed' && rollout.status !== 'Failed') {
    return undefined;
  }
  const failedInstances = rollout.items.filter(i => i.status === 'Failed');
  const fact: DevexFact = {
    sourceId: `platform:rollout/${rollout.id}/finished`,
    kind: DevexFactKind.platformRolloutFinished,
    time: rollout.updatedAt,
    ...(rollout.createdBy.startsWith('user:')
      ? { actor: rollout.createdBy }
      : {}),
    capabilityRef: rollout.capabilityRef,
    attributes: {
      rolloutId: rollout.id,
      status: rollout.status === 'Completed' ? 'completed' : 'failed',
      targetVersion: rollout.targetVersion,
      instances: rollout.items.length,
      failedInstances: failedInstances.length,
      ...(rollout.message ? { message: rollout.message.slice(0, 1000) } : {}),
    },
  };
  const duration = seconds(rollout.createdAt, rollout.updatedAt);
  if (duration !== undefined) fact.value = duration;
  return fact;
}
