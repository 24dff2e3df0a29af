import { CHANGE_REQUEST_STATUSES } from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import {
  ApprovalLinks,
  changeRequestNextStep,
  changeRequestSchema,
  toChangeRequestOutput,
} from './changeRequestSchemas';
import { platformAction } from './platformAction';

/**
 * Following change requests: the list and one request. Reading only: there
 * is deliberately no approve or reject action. People approve, in the portal
 * or with `trellis approve`, with their own identity; an agent that could
 * approve would approve its own changes (docs/api.md, "Actions").
 */
export function changeRequestActions(
  service: PlatformService,
  links: ApprovalLinks = {},
) {
  return [
    platformAction({
      name: 'list-change-requests',
      title: 'List change requests',
      description:
        'Lists change requests (changes waiting for, or decided by, a person) whose resource you may read, newest first. Filter by status (e.g. ["pending"]), by resource, or to your own (mine). Pages: pass nextCursor back as cursor. Agents cannot approve: a person reviews each at its url.',
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: z =>
        z.object({
          status: z
            .array(z.enum(CHANGE_REQUEST_STATUSES))
            .optional()
            .describe('Only these statuses, e.g. ["pending"]'),
          resourceId: z
            .string()
            .min(1)
            .optional()
            .describe('Only those of this resource (its id)'),
          mine: z
            .boolean()
            .optional()
            .describe('Only those you requested (default false)'),
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
        }),
      output: z =>
        z.object({
          changeRequests: z
            .array(changeRequestSchema(z))
            .describe('The change requests, newest first'),
          nextCursor: z
            .string()
            .optional()
            .describe('Present when there are more: pass it as cursor'),
        }),
      async run({ input, credentials }) {
        const page = await service.listChangeRequests(
          {
            status: input.status,
            resourceId: input.resourceId,
            mine: input.mine,
            limit: input.limit,
            cursor: input.cursor,
          },
          { credentials },
        );
        return {
          changeRequests: page.items.map(item =>
            toChangeRequestOutput(item, links),
          ),
          nextCursor: page.nextCursor ?? undefined,
        };
      },
    }),
    platformAction({
      name: 'get-change-request',
      title: 'Get a change request',
      description:
        'Reads one change request: whether a person approved, rejected or has yet to decide the change, and what to do next (message). Poll it after a change answered needs-approval; once approved, follow the resource with platform.wait-for-resource.',
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: z =>
        z.object({
          id: z
            .string()
            .min(1)
            .describe(
              'The change request id, as a change answered it (changeRequest.id), e.g. "42"',
            ),
        }),
      output: z =>
        z.object({
          changeRequest: changeRequestSchema(z).describe('The change request'),
          message: z
            .string()
            .describe(
              'Where it stands and what to do next, in words to pass on to the user',
            ),
        }),
      async run({ input, credentials }) {
        const changeRequest = await service.getChangeRequest(input.id, {
          credentials,
        });
        return {
          changeRequest: toChangeRequestOutput(changeRequest, links),
          message: changeRequestNextStep(changeRequest, links),
        };
      },
    }),
  ];
}
