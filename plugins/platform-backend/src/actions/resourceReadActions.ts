import { ResourcePhase } from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { platformAction, Zod } from './platformAction';
import {
  eventSchema,
  phaseEnum,
  resourceIdInput,
  resourceSchema,
  toEventOutput,
  toResourceOutput,
} from './schemas';
import { waitForPhase } from './waitForPhase';

const stringList = (z: Zod, description: string) =>
  z.array(z.string().min(1)).optional().describe(description);

/** Reading resources: the list, one resource, its history and its logs. */
export function resourceReadActions(service: PlatformService) {
  return [
    platformAction({
      name: 'list-resources',
      title: 'List platform resources',
      description:
        'Lists the platform resources you may read, newest change first unless told otherwise, with filters. Each filter takes several values (any of them matches). Pages: pass nextCursor back as cursor.',
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: z =>
        z.object({
          capabilityRef: stringList(
            z,
            'Only instances of these capabilities, e.g. ["local:database"]',
          ),
          owner: stringList(
            z,
            'Only resources owned by these groups, e.g. ["group:default/team-a"]',
          ),
          component: stringList(
            z,
            'Only resources of these catalog entities, e.g. ["component:default/orders"]',
          ),
          environment: stringList(
            z,
            'Only these environments, e.g. ["production"]',
          ),
          phase: z
            .array(phaseEnum(z))
            .optional()
            .describe(
              'Only resources in these phases, e.g. ["Failed", "Degraded"]',
            ),
          text: z
            .string()
            .optional()
            .describe(
              'Case-insensitive text in the name, component or capability',
            ),
          orderBy: z
            .enum(['name', 'createdAt', 'updatedAt', 'phase'])
            .optional()
            .describe('Sort field (default updatedAt)'),
          order: z
            .enum(['asc', 'desc'])
            .optional()
            .describe('Sort direction (default desc)'),
          limit: z
            .number()
            .int()
            .min(1)
            .max(500)
            .optional()
            .describe('Page size, 1 to 500 (default 50)'),
          cursor: z
            .string()
            .optional()
            .describe('nextCursor of the previous page'),
          includeDeleted: z
            .boolean()
            .optional()
            .describe(
              'Include resources that finished deleting (default false)',
            ),
        }),
      output: z =>
        z.object({
          resources: z.array(resourceSchema(z)).describe('This page'),
          nextCursor: z
            .string()
            .optional()
            .describe('Pass as cursor for the next page; absent on the last'),
          totalCount: z
            .number()
            .describe('How many match (all pages), counted up to 10,000'),
          totalCountCapped: z
            .boolean()
            .describe('True when more than totalCount match'),
        }),
      async run({ input, credentials }) {
        const page = await service.listResources(
          { ...input, phase: input.phase as ResourcePhase[] | undefined },
          { credentials },
        );
        return {
          resources: page.items.map(toResourceOutput),
          nextCursor: page.nextCursor ?? undefined,
          totalCount: page.totalCount,
          totalCountCapped: Boolean(page.totalCountCapped),
        };
      },
    }),
    platformAction({
      name: 'get-resource',
      title: 'Get a platform resource',
      description:
        "Reads one resource: its phase and message, the engine's conditions, its outputs (host, url, ...), its spec and generation, and the change the platform still owes the engine, if any.",
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: resourceIdInput,
      output: z =>
        z.object({ resource: resourceSchema(z).describe('The resource') }),
      async run({ input, credentials }) {
        const resource = await service.getResource(input.id, { credentials });
        return { resource: toResourceOutput(resource) };
      },
    }),
    platformAction({
      name: 'wait-for-resource',
      title: 'Wait for a platform resource',
      description:
        'Waits until a resource reaches one of the given phases (default Ready), fails, or the time runs out, and returns it as it then is. reached says whether the wait ended in a wanted phase.',
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: z =>
        resourceIdInput(z).extend({
          phases: z
            .array(phaseEnum(z))
            .min(1)
            .optional()
            .describe('The phases that end the wait (default ["Ready"])'),
          timeoutSeconds: z
            .number()
            .int()
            .min(1)
            .max(50)
            .optional()
            .describe(
              'At most this long, 1 to 50 seconds (default 30); call again to keep waiting',
            ),
        }),
      output: z =>
        z.object({
          reached: z
            .boolean()
            .describe('True when the resource is in one of the wanted phases'),
          resource: resourceSchema(z).describe('The resource as it is now'),
        }),
      async run({ input, credentials }) {
        const phases = (input.phases ?? ['Ready']) as ResourcePhase[];
        const { resource, reached } = await waitForPhase({
          service,
          credentials,
          id: input.id,
          phases,
          timeoutMs: (input.timeoutSeconds ?? 30) * 1000,
        });
        return { reached, resource: toResourceOutput(resource) };
      },
    }),
    platformAction({
      name: 'get-resource-history',
      title: 'Get the history of a platform resource',
      description:
        'The append-only history of one resource: requested, phase changes with reasons, spec updates, upgrades, dispatch failures and deletion, oldest first.',
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: z =>
        resourceIdInput(z).extend({
          limit: z
            .number()
            .int()
            .min(1)
            .max(1000)
            .optional()
            .describe('Only the most recent events, at most this many'),
        }),
      output: z =>
        z.object({
          events: z.array(eventSchema(z)).describe('Oldest first'),
        }),
      async run({ input, credentials }) {
        const events = await service.getResourceHistory(input.id, {
          credentials,
        });
        const kept = input.limit ? events.slice(-input.limit) : events;
        return { events: kept.map(toEventOutput) };
      },
    }),
    platformAction({
      name: 'get-resource-logs',
      title: 'Get the pipeline logs of a platform resource',
      description:
        "The output of the engine's pipeline steps for one resource, where the engine keeps logs: the place to look when a resource is Failed or Degraded.",
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: resourceIdInput,
      output: z =>
        z.object({
          logs: z
            .array(
              z.object({
                pipeline: z.string().describe('The pipeline'),
                step: z.string().describe('The step'),
                status: z
                  .enum(['Running', 'Succeeded', 'Failed', 'Cancelled'])
                  .describe('How the step ended'),
                startedAt: z.string().describe('When it started (ISO 8601)'),
                finishedAt: z
                  .string()
                  .optional()
                  .describe('When it ended (ISO 8601)'),
                output: z.string().describe('What it printed'),
              }),
            )
            .describe('One entry per step run, oldest first'),
        }),
      async run({ input, credentials }) {
        const logs = await service.getResourceLogs(input.id, { credentials });
        return {
          logs: logs.map(log => ({
            pipeline: log.pipeline,
            step: log.step,
            status: log.status,
            startedAt: log.startedAt,
            finishedAt: log.finishedAt ?? undefined,
            output: log.output,
          })),
        };
      },
    }),
  ];
}
