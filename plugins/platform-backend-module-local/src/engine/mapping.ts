import { InputError } from '@backstage/errors';
import {
  EngineObjectRef,
  JsonObject,
  ResourceCondition,
  RESOURCE_ANNOTATIONS,
} from '@trellis/backstage-plugin-platform-common';
import {
  DesiredResource,
  EngineCapability,
  ObservedState,
} from '@trellis/backstage-plugin-platform-node';
import {
  CapabilityDefinition,
  CapabilityVersion,
  currentVersion,
} from '../capabilities/types';
import { ResourceLocation } from '../git/GitStateStore';
import { InstanceRecord } from '../state/types';
import { Conditions, setConditions } from './conditions';

// How an instance record appears to the platform, to pipelines and to the
// state store, and how its status changes.

export function findVersion(
  capability: CapabilityDefinition,
  version: string,
): CapabilityVersion {
  const found = capability.versions.find(v => v.version === version);
  if (!found) {
    throw new InputError(
      `Capability ${capability.name} has no version ${JSON.stringify(
        version,
      )}; it has ${capability.versions.map(v => v.version).join(', ')}`,
    );
  }
  return found;
}

export function describe(record: InstanceRecord): string {
  return `${record.capability} ${record.environment}/${record.name}`;
}

export function locationOf(record: InstanceRecord): ResourceLocation {
  return {
    environment: record.environment,
    capability: record.capability,
    name: record.name,
  };
}

export function engineRefOf(record: InstanceRecord): EngineObjectRef {
  return {
    id: record.resourceId,
    capability: record.capability,
    name: record.name,
    environment: record.environment,
  };
}

export function toObservedState(record: InstanceRecord): ObservedState {
  const { status } = record;
  return {
    resourceId: record.resourceId,
    engineRef: engineRefOf(record),
    phase: status.phase,
    ...(status.message ? { message: status.message } : {}),
    observedGeneration: status.observedGeneration,
    conditions: status.conditions,
    outputs: status.outputs,
    ...(status.appliedVersion ? { appliedVersion: status.appliedVersion } : {}),
  };
}

export function toEngineCapability(
  capability: CapabilityDefinition,
): EngineCapability {
  const current = currentVersion(capability);
  return {
    name: capability.name,
    title: current.title,
    description: current.description,
    version: current.version,
    versions: capability.versions.map(v => v.version),
    instanceApiVersion: `${current.api.group}/${current.api.version}`,
    instanceKind: current.api.kind,
    inputSchema: current.inputSchema,
    available: !capability.problem,
    availabilityMessage: capability.problem,
    owner: current.owner,
    tags: current.tags,
    links: current.links,
    // As its title and owner: what the version new instances get says.
    requiresApproval: current.requiresApproval,
  };
}

/** The resource as a Kratix resource request, for `/kratix/input/object.yaml`. */
export function toKratixObject(
  record: InstanceRecord,
  version: CapabilityVersion,
): JsonObject {
  const annotations: JsonObject = {
    [RESOURCE_ANNOTATIONS.resourceId]: record.resourceId,
    [RESOURCE_ANNOTATIONS.owner]: record.desired.owner,
    [RESOURCE_ANNOTATIONS.requestedBy]: record.desired.requestedBy,
  };
  if (record.desired.component) {
    annotations[RESOURCE_ANNOTATIONS.component] = record.desired.component;
  }
  return {
    apiVersion: `${version.api.group}/${version.api.version}`,
    kind: version.api.kind,
    metadata: {
      name: record.name,
      namespace: record.environment,
      uid: record.resourceId,
      generation: record.desired.generation,
      labels: {
        'app.kubernetes.io/managed-by': 'trellis',
        'kratix.io/promise-name': record.capability,
      },
      annotations,
    },
    spec: record.desired.spec,
    status: {
      ...record.status.outputs,
      observedGeneration: record.status.observedGeneration,
      ...(record.status.appliedVersion
        ? { promiseVersion: record.status.appliedVersion }
        : {}),
    },
  };
}

/** Changes the record's status: the fields given, and its conditions merged in. */
export function setStatus(
  record: InstanceRecord,
  patch: Partial<Omit<InstanceRecord['status'], 'conditions'>> & {
    conditions?: ResourceCondition[];
  },
) {
  const now = new Date().toISOString();
  const { conditions, ...rest } = patch;
  const defined = Object.fromEntries(
    Object.entries(rest).filter(([, value]) => value !== undefined),
  );
  record.status = {
    ...record.status,
    ...defined,
    conditions: setConditions(record.status.conditions, conditions ?? [], now),
  };
  if (patch.message === undefined && patch.phase !== undefined) {
    delete record.status.message;
  }
  record.updatedAt = now;
}

/** The record as the platform's desired state, to validate again against another version. */
export function toDesired(record: InstanceRecord): DesiredResource {
  return {
    resourceId: record.resourceId,
    capability: record.capability,
    name: record.name,
    environment: record.environment,
    owner: record.desired.owner,
    requestedBy: record.desired.requestedBy,
    component: record.desired.component,
    spec: record.desired.spec,
    generation: record.desired.generation,
    version: record.desired.version,
  };
}

/** The record of a new instance, waiting for its first configure. */
export function newRecord(
  desired: DesiredResource,
  spec: JsonObject,
  version: string,
): InstanceRecord {
  const now = new Date().toISOString();
  return {
    resourceId: desired.resourceId,
    capability: desired.capability,
    name: desired.name,
    environment: desired.environment,
    desired: {
      owner: desired.owner,
      requestedBy: desired.requestedBy,
      component: desired.component,
      spec,
      generation: desired.generation,
      version,
    },
    status: {
      phase: 'Pending',
      message: 'Waiting for a pipeline slot',
      observedGeneration: 0,
      conditions: setConditions([], [Conditions.reconcilePending()], now),
      outputs: {},
    },
    createdAt: now,
    updatedAt: now,
  };
}
