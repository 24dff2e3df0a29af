import { ConflictError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ChangeRequest,
  isPendingApproval,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import {
  APPROVAL_STATUS_DESCRIPTION,
  CHANGE_REQUEST_ID_DESCRIPTION,
  logNeedsApproval,
  pendingChangeRequest,
  PortalLinks,
} from './approvals';
import { examples } from './delete.examples';
import {
  checkpointKey,
  engineTokenInputDescription,
  engineTokenOf,
  throwIfCancelled,
} from './invocation';
import { changeRequestLink } from './links';

/**
 * Deletes a platform resource as the user who started the task.
 *
 * @public
 */
export function createPlatformResourceDeleteAction(
  platform: PlatformService,
  links: PortalLinks = {},
) {
  return createTemplateAction({
    id: 'platform:resource:delete',
    description:
      'Deletes a platform resource as the user who runs the template. The engine removes it in the background; use platform:resource:wait with `phases: [Deleted]` to wait for that. When the delete needs a person’s approval (production, a capability marked so), the step succeeds with `approvalStatus: needs-approval` and the `changeRequestId`, and nothing is deleted until someone approves it.',
    examples,
    schema: {
      input: {
        id: z => z.string().describe('Id of the resource to delete'),
        engineToken: z =>
          z.string().optional().describe(engineTokenInputDescription),
      },
      output: {
        phase: z =>
          z
            .string()
            .describe(
              'Phase of the resource after the request: `Deleting` while the engine removes it, `Deleted` when nothing was left to remove; with `needs-approval`, its phase now',
            ),
        approvalStatus: z =>
          z
            .enum(['not-required', 'needs-approval'])
            .describe(APPROVAL_STATUS_DESCRIPTION),
        changeRequestId: z =>
          z.string().optional().describe(CHANGE_REQUEST_ID_DESCRIPTION),
        link: z =>
          z
            .string()
            .optional()
            .describe(
              'With `needs-approval`: path of the change request’s page in the portal',
            ),
      },
    },
    async handler(ctx) {
      const { id } = ctx.input;
      const credentials = await ctx.getInitiatorCredentials();
      throwIfCancelled(ctx.signal, `deleting ${id}`);

      const deleted = await ctx.checkpoint({
        key: checkpointKey(ctx, 'platform.resource.delete', id),
        fn: async (): Promise<{ phase: string; changeRequestId?: string }> => {
          const waiting = async (cr: ChangeRequest) => {
            logNeedsApproval(ctx.logger, cr, links);
            const now = await platform.getResource(id, { credentials });
            return { phase: now.status.phase, changeRequestId: cr.id };
          };
          try {
            const answer = await platform.deleteResource(id, {
              credentials,
              engineToken: engineTokenOf(ctx),
            });
            if (isPendingApproval(answer)) return waiting(answer.changeRequest);
            ctx.logger.info(
              `Requested the deletion of ${answer.name}; it is ${answer.status.phase}`,
            );
            return { phase: answer.status.phase };
          } catch (error) {
            // A retry whose first attempt became a change request.
            if (error instanceof ConflictError) {
              const pending = await pendingChangeRequest(
                platform,
                id,
                'delete',
                { credentials },
              );
              if (pending) return waiting(pending);
            }
            // A retry whose first attempt finished the delete but crashed
            // before saving the checkpoint finds the resource already gone.
            if (error instanceof NotFoundError) {
              const resource = await platform
                .getResource(id, { credentials })
                .catch(() => undefined);
              if (resource?.status.phase === 'Deleted') {
                ctx.logger.info(`${resource.name} is already deleted`);
                return { phase: resource.status.phase };
              }
            }
            throw error;
          }
        },
      });
      ctx.output('phase', deleted.phase);
      if (deleted.changeRequestId) {
        ctx.output('approvalStatus', 'needs-approval');
        ctx.output('changeRequestId', deleted.changeRequestId);
        ctx.output('link', changeRequestLink(deleted.changeRequestId));
        return;
      }
      ctx.output('approvalStatus', 'not-required');
    },
  });
}
