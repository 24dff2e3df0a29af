import {
  Capability,
  PlatformResource,
  RESOURCE_PHASES,
  ResourceEvent,
  Rollout,
} from '@trellis/backstage-plugin-platform-common';
import { Zod } from './platformAction';

/*
 * The shapes the platform's actions answer with, and their mapping from the
 * platform's types: explicit, so that a field added to a type is a decision
 * here rather than a silent change of what agents see.
 */

export const phaseEnum = (z: Zod) =>
  z.enum(RESOURCE_PHASES as unknown as [string, ...string[]]);

export const resourceIdInput = (z: Zod) =>
  z.object({
    id: z
      .string()
      .min(1)
      .describe(
        'The resource id, as platform.request-resource or platform.list-resources return it',
      ),
  });

const jsonObject = (z: Zod, description: string) =>
  z.record(z.string(), z.unknown()).describe(description);

export const resourceSchema = (z: Zod) =>
  z
    .object({
      id: z.string().describe('The resource id'),
      capabilityRef: z
        .string()
        .describe('The capability it is an instance of, e.g. local:database'),
      name: z.string().describe('Its name, unique per capability'),
      environment: z
        .string()
        .describe('Its environment, e.g. dev or production'),
      owner: z.string().describe('Entity ref of the owning group'),
      requestedBy: z
        .string()
        .describe('Entity ref of the user (or the service) that requested it'),
      component: z
        .string()
        .optional()
        .describe('Entity ref of the catalog entity it belongs to'),
      spec: jsonObject(
        z,
        "The desired configuration, as the capability's input schema describes it",
      ),
      generation: z
        .number()
        .describe(
          'Increases with every accepted spec change; an update names it',
        ),
      observedGeneration: z
        .number()
        .describe('The generation the engine last reconciled'),
      phase: phaseEnum(z).describe(
        'Where it is: Pending, Provisioning, Ready, Updating, Degraded, Failed, Deleting, Deleted, Paused or Unknown',
      ),
      message: z
        .string()
        .optional()
        .describe('Why it is in this phase, e.g. the failing step'),
      conditions: z
        .array(
          z.object({
            type: z.string().describe('The condition, e.g. Ready'),
            status: z
              .enum(['True', 'False', 'Unknown'])
              .describe('Whether it holds'),
            reason: z.string().optional().describe('Machine-readable reason'),
            message: z.string().optional().describe('Human-readable detail'),
            lastTransitionTime: z
              .string()
              .optional()
              .describe('When the status last changed (ISO 8601)'),
          }),
        )
        .describe("The engine's own conditions"),
      outputs: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
        .describe(
          'Non-secret values it exposes once provisioned, e.g. host, port, url',
        ),
      appliedVersion: z
        .string()
        .optional()
        .describe('The capability version the engine reports it at'),
      pendingChange: z
        .object({
          action: z
            .enum(['apply', 'delete'])
            .describe('The change the platform still owes the engine'),
          state: z
            .enum(['queued', 'retrying', 'awaiting-credentials'])
            .describe(
              "queued: about to be handed over; retrying: the engine was unreachable; awaiting-credentials: needs the user's own token (platform.retry-resource)",
            ),
          message: z
            .string()
            .optional()
            .describe('The last failure, or what is awaited'),
          attempts: z.number().describe('Hand-over attempts so far'),
          nextAttemptAt: z
            .string()
            .optional()
            .describe('When the next attempt is due (ISO 8601)'),
        })
        .optional()
        .describe('Absent once the engine has accepted the latest change'),
      createdAt: z.string().describe('When it was requested (ISO 8601)'),
      updatedAt: z.string().describe('When it last changed (ISO 8601)'),
      readyAt: z
        .string()
        .optional()
        .describe('When it first became Ready (ISO 8601)'),
      deletedAt: z
        .string()
        .optional()
        .describe('When it finished deleting (ISO 8601)'),
    })
    .describe('A platform resource: one requested instance of a capability');

/** Undefined for null, so optional fields stay absent rather than null. */
function opt<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

export function toResourceOutput(resource: PlatformResource) {
  return {
    id: resource.id,
    capabilityRef: resource.capabilityRef,
    name: resource.name,
    environment: resource.environment,
    owner: resource.owner,
    requestedBy: resource.requestedBy,
    component: opt(resource.component),
    spec: resource.spec ?? {},
    generation: resource.generation,
    observedGeneration: resource.observedGeneration,
    phase: resource.status.phase,
    message: opt(resource.status.message),
    conditions: (resource.status.conditions ?? []).map(c => ({
      type: c.type,
      status: c.status,
      reason: opt(c.reason),
      message: opt(c.message),
      lastTransitionTime: opt(c.lastTransitionTime),
    })),
    outputs: resource.outputs ?? {},
    appliedVersion: opt(resource.appliedVersion),
    pendingChange: resource.pending
      ? {
          action: resource.pending.action,
          state: resource.pending.state,
          message: opt(resource.pending.message),
          attempts: resource.pending.attempts,
          nextAttemptAt: opt(resource.pending.nextAttemptAt),
        }
      : undefined,
    createdAt: resource.createdAt,
    updatedAt: resource.updatedAt,
    readyAt: opt(resource.readyAt),
    deletedAt: opt(resource.deletedAt),
  };
}

export const capabilitySummarySchema = (z: Zod) =>
  z.object({
    ref: z
      .string()
      .describe('The capability ref to request it by, e.g. local:database'),
    title: z.string().describe('Its display name'),
    description: z.string().optional().describe('What it offers'),
    version: z.string().describe('The version new instances get'),
    available: z.boolean().describe('Whether it can be requested now'),
    availabilityMessage: z
      .string()
      .optional()
      .describe('Why it is unavailable, when it is'),
    owner: z
      .string()
      .optional()
      .describe('Entity ref of the team that offers it'),
    tags: z.array(z.string()).describe('Tags for finding it'),
    needsUserToken: z
      .boolean()
      .describe(
        "True when its engine changes things with the requesting user's own identity; an agent with its own identity cannot change its instances",
      ),
  });

export function toCapabilitySummary(capability: Capability) {
  return {
    ref: capability.ref,
    title: capability.title,
    description: opt(capability.description),
    version: capability.version,
    available: capability.available,
    availabilityMessage: opt(capability.availabilityMessage),
    owner: opt(capability.owner),
    tags: capability.tags ?? [],
    needsUserToken: Boolean(capability.userAuth),
  };
}

export const capabilitySchema = (z: Zod) =>
  capabilitySummarySchema(z).extend({
    versions: z
      .array(z.string())
      .describe('Every version the engine defines, oldest first'),
    inputSchema: jsonObject(
      z,
      "JSON Schema of the spec a request must carry: fill platform.request-resource's spec from it",
    ),
    links: z
      .array(
        z.object({
          url: z.string().describe('Where it points'),
          title: z.string().describe('What it is'),
        }),
      )
      .describe('Documentation and dashboards'),
  });

export function toCapabilityOutput(capability: Capability) {
  return {
    ...toCapabilitySummary(capability),
    versions: capability.versions ?? [capability.version],
    inputSchema: capability.inputSchema ?? {},
    links: (capability.links ?? []).map(l => ({ url: l.url, title: l.title })),
  };
}

export const eventSchema = (z: Zod) =>
  z.object({
    type: z
      .string()
      .describe(
        'requested, phase-changed, spec-updated, delete-requested, deleted, upgrade-started, upgrade-finished or dispatch-failed',
      ),
    at: z.string().describe('When it happened (ISO 8601)'),
    actor: z
      .string()
      .optional()
      .describe('Entity ref of the user or service that caused it'),
    fromPhase: z
      .string()
      .optional()
      .describe('Phase before, for phase changes'),
    toPhase: z.string().optional().describe('Phase after, for phase changes'),
    reason: z.string().optional().describe('Machine-readable reason'),
    message: z.string().optional().describe('Human-readable detail'),
    generation: z
      .number()
      .optional()
      .describe('The spec generation it concerns'),
  });

export function toEventOutput(event: ResourceEvent) {
  return {
    type: event.type,
    at: event.at,
    actor: opt(event.actor),
    fromPhase: opt(event.fromPhase),
    toPhase: opt(event.toPhase),
    reason: opt(event.reason),
    message: opt(event.message),
    generation: opt(event.generation),
  };
}

export const rolloutSchema = (z: Zod) =>
  z.object({
    id: z.string().describe('The rollout id'),
    capabilityRef: z
      .string()
      .describe('The capability whose instances it upgrades'),
    targetVersion: z.string().describe('The version it moves them to'),
    status: z
      .enum(['Running', 'Paused', 'Completed', 'Failed', 'Cancelled'])
      .describe('Where it is'),
    message: z.string().optional().describe('Why it paused or failed'),
    waveSize: z.number().describe('Instances per wave'),
    pauseSeconds: z.number().describe('Seconds between waves'),
    currentWave: z
      .number()
      .describe('The wave in progress (0-based); equals waveCount when done'),
    waveCount: z.number().describe('How many waves it has'),
    createdBy: z.string().describe('Who started it'),
    createdAt: z.string().describe('When it started (ISO 8601)'),
    updatedAt: z.string().describe('When it last changed (ISO 8601)'),
    items: z
      .array(
        z.object({
          resourceId: z.string().describe('The instance'),
          resourceName: z.string().describe('Its name'),
          environment: z.string().describe('Its environment'),
          wave: z.number().describe('The wave it belongs to (0-based)'),
          status: z
            .enum(['Pending', 'Upgrading', 'Succeeded', 'Failed', 'Skipped'])
            .describe('Its progress'),
          fromVersion: z.string().optional().describe('Its version before'),
          message: z
            .string()
            .optional()
            .describe('Why it failed or was skipped'),
        }),
      )
      .describe('Every instance, in wave order'),
  });

export function toRolloutOutput(rollout: Rollout) {
  return {
    id: rollout.id,
    capabilityRef: rollout.capabilityRef,
    targetVersion: rollout.targetVersion,
    status: rollout.status,
    message: opt(rollout.message),
    waveSize: rollout.waveSize,
    pauseSeconds: rollout.pauseSeconds,
    currentWave: rollout.currentWave,
    waveCount: rollout.waveCount,
    createdBy: rollout.createdBy,
    createdAt: rollout.createdAt,
    updatedAt: rollout.updatedAt,
    items: rollout.items.map(item => ({
      resourceId: item.resourceId,
      resourceName: item.resourceName,
      environment: item.environment,
      wave: item.wave,
      status: item.status,
      fromVersion: opt(item.fromVersion),
      message: opt(item.message),
    })),
  };
}
