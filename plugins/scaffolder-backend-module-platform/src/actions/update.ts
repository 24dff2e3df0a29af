import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ChangeRequest,
  isPendingApproval,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import {
  APPROVAL_STATUS_DESCRIPTION,
  CHANGE_REQUEST_ID_DESCRIPTION,
  logNeedsApproval,
  pendingChangeRequest,
  PortalLinks,
} from './approvals';
import { isDeepStrictEqual } from 'node:util';
import {
  checkpointKey,
  engineTokenInputDescription,
  engineTokenOf,
  throwIfCancelled,
} from './invocation';
import { changeRequestLink, resourceLink } from './links';
import { examples } from './update.examples';

/**
 * Changes the spec of a platform resource as the user who started the task.
 *
 * @public
 */
export function createPlatformResourceUpdateAction(
  platform: PlatformService,
  links: PortalLinks = {},
) {
  return createTemplateAction({
    id: 'platform:resource:update',
    description:
      'Replaces the spec of a platform resource as the user who runs the template. Fails, rather than overwrite, when the resource changed since the generation the update is based on. When the change needs a person’s approval (production, a capability marked so), the step succeeds with `approvalStatus: needs-approval` and the `changeRequestId`; the spec changes once someone approves it.',
    examples,
    schema: {
      input: {
        id: z => z.string().describe('Id of the resource to update'),
        spec: z =>
          z
            .record(z.any())
            .describe(
              'The complete new spec, checked against the capability’s input schema; properties left out take the schema’s defaults',
            ),
        generation: z =>
          z
            .number()
            .int()
            .positive()
            .optional()
            .describe(
              'The generation the change is based on; the update fails if the resource has moved past it. Defaults to the current generation',
            ),
        engineToken: z =>
          z.string().optional().describe(engineTokenInputDescription),
      },
      output: {
        id: z => z.string().describe('Id of the resource'),
        generation: z =>
          z
            .number()
            .describe(
              'The generation of the resource with the new spec; with `needs-approval`, its current generation',
            ),
        phase: z =>
          z
            .string()
            .describe(
              'Phase of the resource after the update, usually `Updating`; use `platform:resource:wait` to wait for `Ready`',
            ),
        link: z =>
          z
            .string()
            .describe(
              'Path of the resource’s page in the portal; with `needs-approval`, of the change request’s page',
            ),
        approvalStatus: z =>
          z
            .enum(['not-required', 'needs-approval'])
            .describe(APPROVAL_STATUS_DESCRIPTION),
        changeRequestId: z =>
          z.string().optional().describe(CHANGE_REQUEST_ID_DESCRIPTION),
      },
    },
    async handler(ctx) {
      const { id, spec } = ctx.input;
      const credentials = await ctx.getInitiatorCredentials();
      throwIfCancelled(ctx.signal, `updating ${id}`);

      const updated = await ctx.checkpoint({
        key: checkpointKey(ctx, 'platform.resource.update', id),
        fn: async () => {
          const current = await platform.getResource(id, { credentials });
          // A retry whose first attempt updated but crashed before saving
          // the checkpoint finds its own change: do not apply it again.
          if (isDeepStrictEqual(current.spec, spec)) {
            ctx.logger.info(
              `${current.name} already has this spec (generation ${current.generation})`,
            );
            return summary(current);
          }
          const generation = ctx.input.generation ?? current.generation;
          const waiting = (cr: ChangeRequest) => {
            logNeedsApproval(ctx.logger, cr, links);
            return { ...summary(current), changeRequestId: cr.id };
          };
          try {
            const answer = await platform.updateResource(
              id,
              { spec, generation },
              { credentials, engineToken: engineTokenOf(ctx) },
            );
            if (isPendingApproval(answer)) return waiting(answer.changeRequest);
            ctx.logger.info(
              `Updated ${answer.name} to generation ${answer.generation}`,
            );
            return summary(answer);
          } catch (error) {
            if (error instanceof ConflictError) {
              // A retry whose first attempt became a change request.
              const pending = await pendingChangeRequest(
                platform,
                id,
                'update',
                { credentials },
              );
              if (pending && isDeepStrictEqual(pending.change.spec, spec)) {
                return waiting(pending);
              }
              throw new ConflictError(
                `Could not update ${current.name} based on generation ${generation}: ${error.message}`,
                error,
              );
            }
            throw error;
          }
        },
      });

      ctx.output('id', updated.id);
      ctx.output('generation', updated.generation);
      ctx.output('phase', updated.phase);
      if (updated.changeRequestId) {
        ctx.output('link', changeRequestLink(updated.changeRequestId));
        ctx.output('approvalStatus', 'needs-approval');
        ctx.output('changeRequestId', updated.changeRequestId);
        return;
      }
      ctx.output('link', resourceLink(updated.id));
      ctx.output('approvalStatus', 'not-required');
    },
  });
}

function summary(
  resource: Pick<PlatformResource, 'id' | 'generation' | 'status'>,
): { id: string; generation: number; phase: string; changeRequestId?: string } {
  return {
    id: resource.id,
    generation: resource.generation,
    phase: resource.status.phase,
  };
}
