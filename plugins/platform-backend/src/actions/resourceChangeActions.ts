import {
  isPendingApproval,
  PendingApproval,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import {
  ApprovalLinks,
  needsApprovalFields,
  needsApprovalOutput,
} from './changeRequestSchemas';
import { platformAction, Zod } from './platformAction';
import { resourceIdInput, resourceSchema, toResourceOutput } from './schemas';

/** What a change needing approval adds to the action's description. */
const APPROVAL_NOTE =
  " Some changes need a person's approval first (changes by an agent with its own token, production updates and deletes, capabilities marked so): then nothing changes yet, and the answer has status needs-approval with the change request and a message saying where a person approves it; follow it with platform.get-change-request. Agents cannot approve.";

/** The output of update and delete: the resource, or a change request. */
const changeOutput = (z: Zod) =>
  z.object({
    ...needsApprovalFields(z),
    resource: resourceSchema(z).optional().describe('With done: the resource'),
  });

/** Changing resources: request, update, delete, retry. */
export function resourceChangeActions(
  service: PlatformService,
  links: ApprovalLinks = {},
) {
  const answer = (result: PlatformResource | PendingApproval) =>
    isPendingApproval(result)
      ? needsApprovalOutput(result, links)
      : { status: 'done' as const, resource: toResourceOutput(result) };
  return [
    platformAction({
      name: 'request-resource',
      title: 'Request a platform resource',
      description: `Requests a new instance of a capability, e.g. a database for a service. The spec must follow the capability's input schema (platform.get-capability). Use dryRun first to validate and see the defaults applied; send an idempotencyKey so a retry of the same request returns the first result instead of failing. The answer comes at once with phase Pending: follow it with platform.wait-for-resource.${APPROVAL_NOTE} A dry run says approvalRequired instead.`,
      attributes: { readOnly: false, idempotent: true, destructive: false },
      input: z =>
        z.object({
          capabilityRef: z
            .string()
            .min(1)
            .describe('The capability to instantiate, e.g. local:database'),
          name: z
            .string()
            .min(1)
            .describe(
              'The resource name: a DNS label (lower-case letters, digits and -), unique per capability and environment',
            ),
          environment: z
            .string()
            .min(1)
            .describe(
              'The environment, a DNS label such as dev, staging or production',
            ),
          owner: z
            .string()
            .min(1)
            .describe(
              'Entity ref of the owning group, e.g. group:default/team-a',
            ),
          component: z
            .string()
            .optional()
            .describe(
              'Entity ref of the catalog entity it belongs to, e.g. component:default/orders',
            ),
          spec: z
            .record(z.string(), z.unknown())
            .optional()
            .describe(
              "The configuration, as the capability's input schema describes it",
            ),
          version: z
            .string()
            .optional()
            .describe(
              'A capability version to create it at (default the current one)',
            ),
          dryRun: z
            .boolean()
            .optional()
            .describe(
              'Validate and answer what would be created, without creating it (default false)',
            ),
          idempotencyKey: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .describe(
              'A key of your choosing; a retry with the same key and request returns the first result',
            ),
        }),
      output: z =>
        z.object({
          ...needsApprovalFields(z),
          resource: resourceSchema(z)
            .optional()
            .describe(
              'With done: the resource (on dryRun: as it would be created)',
            ),
          created: z
            .boolean()
            .describe(
              'True when this call created it; false on dryRun, when the idempotency key replayed an earlier result, or when the request needs approval',
            ),
          dryRun: z.boolean().describe('Whether this was a dry run'),
          approvalRequired: z
            .boolean()
            .optional()
            .describe(
              'On dryRun: true when the request, made for real, would become a change request waiting for approval',
            ),
          approvalReasons: z
            .array(z.enum(['service-principal', 'policy', 'capability']))
            .optional()
            .describe(
              'On dryRun, with approvalRequired: why approval would be needed (as changeRequest.reasons)',
            ),
        }),
      examples: [
        {
          title: 'A small development database for the orders service',
          input: {
            capabilityRef: 'local:database',
            name: 'orders-db',
            environment: 'dev',
            owner: 'group:default/team-a',
            component: 'component:default/orders',
            spec: { size: 'small' },
            idempotencyKey: 'orders-db-dev-1',
          },
        },
      ],
      async run({ input, credentials }) {
        const { dryRun, idempotencyKey, ...request } = input;
        const result = await service.createResource(
          { ...request, spec: request.spec as any },
          { credentials, dryRun, idempotencyKey },
        );
        if (isPendingApproval(result)) {
          return {
            ...needsApprovalOutput(result, links),
            created: false,
            dryRun: false,
          };
        }
        const { resource } = result;
        return {
          status: 'done' as const,
          resource: toResourceOutput(resource),
          created: result.created,
          dryRun: Boolean(dryRun),
          approvalRequired: dryRun
            ? Boolean(resource.approvalRequired)
            : undefined,
          approvalReasons: dryRun ? resource.approvalReasons : undefined,
        };
      },
    }),
    platformAction({
      name: 'update-resource',
      title: 'Update a platform resource',
      description: `Replaces the spec of a resource. generation must be the resource's current generation (platform.get-resource): if someone changed it since, the update is refused with a conflict rather than overwriting their change. The engine then reconciles the resource (phase Updating).${APPROVAL_NOTE}`,
      attributes: { readOnly: false, idempotent: true, destructive: true },
      input: z =>
        resourceIdInput(z).extend({
          spec: z
            .record(z.string(), z.unknown())
            .describe(
              "The whole new spec, as the capability's input schema describes it",
            ),
          generation: z
            .number()
            .int()
            .min(1)
            .describe('The generation this change is based on'),
        }),
      output: changeOutput,
      async run({ input, credentials }) {
        return answer(
          await service.updateResource(
            input.id,
            { spec: input.spec as any, generation: input.generation },
            { credentials },
          ),
        );
      },
    }),
    platformAction({
      name: 'delete-resource',
      title: 'Delete a platform resource',
      description: `Deletes a resource and what the engine made for it (a database and its data, ...). The answer comes at once with phase Deleting; it is Deleted once the engine is done.${APPROVAL_NOTE}`,
      attributes: { readOnly: false, idempotent: true, destructive: true },
      input: resourceIdInput,
      output: changeOutput,
      async run({ input, credentials }) {
        return answer(await service.deleteResource(input.id, { credentials }));
      },
    }),
    platformAction({
      name: 'retry-resource',
      title: "Retry a platform resource's pending change",
      description:
        "Hands the resource's pending change (see pendingChange in platform.get-resource) to its engine now instead of at the next backoff.",
      attributes: { readOnly: false, idempotent: true, destructive: false },
      input: resourceIdInput,
      output: z =>
        z.object({ resource: resourceSchema(z).describe('The resource') }),
      async run({ input, credentials }) {
        return {
          resource: toResourceOutput(
            await service.retryResource(input.id, { credentials }),
          ),
        };
      },
    }),
  ];
}
