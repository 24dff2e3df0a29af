import { NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { examples } from './delete.examples';
import {
  checkpointKey,
  engineTokenInputDescription,
  engineTokenOf,
  throwIfCancelled,
} from './invocation';

/**
 * Deletes a platform resource as the user who started the task.
 *
 * @public
 */
export function createPlatformResourceDeleteAction(platform: PlatformService) {
  return createTemplateAction({
    id: 'platform:resource:delete',
    description:
      'Deletes a platform resource as the user who runs the template. The engine removes it in the background; use platform:resource:wait with `phases: [Deleted]` to wait for that.',
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
              'Phase of the resource after the request: `Deleting` while the engine removes it, `Deleted` when nothing was left to remove',
            ),
      },
    },
    async handler(ctx) {
      const { id } = ctx.input;
      const credentials = await ctx.getInitiatorCredentials();
      throwIfCancelled(ctx.signal, `deleting ${id}`);

      const phase = await ctx.checkpoint({
        key: checkpointKey(ctx, 'platform.resource.delete', id),
        fn: async () => {
          try {
            const resource = await platform.deleteResource(id, {
              credentials,
              engineToken: engineTokenOf(ctx),
            });
            ctx.logger.info(
              `Requested the deletion of ${resource.name}; it is ${resource.status.phase}`,
            );
            return resource.status.phase;
          } catch (error) {
            // A retry whose first attempt finished the delete but crashed
            // before saving the checkpoint finds the resource already gone.
            if (error instanceof NotFoundError) {
              const resource = await platform
                .getResource(id, { credentials })
                .catch(() => undefined);
              if (resource?.status.phase === 'Deleted') {
                ctx.logger.info(`${resource.name} is already deleted`);
                return resource.status.phase;
              }
            }
            throw error;
          }
        },
      });
      ctx.output('phase', phase);
    },
  });
}
