import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { isDeepStrictEqual } from 'node:util';
import {
  checkpointKey,
  engineTokenInputDescription,
  engineTokenOf,
  throwIfCancelled,
} from './invocation';
import { resourceLink } from './links';
import { examples } from './update.examples';

/**
 * Changes the spec of a platform resource as the user who started the task.
 *
 * @public
 */
export function createPlatformResourceUpdateAction(platform: PlatformService) {
  return createTemplateAction({
    id: 'platform:resource:update',
    description:
      'Replaces the spec of a platform resource as the user who runs the template. Fails, rather than overwrite, when the resource changed since the generation the update is based on.',
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
            .describe('The generation of the resource with the new spec'),
        phase: z =>
          z
            .string()
            .describe(
              'Phase of the resource after the update, usually `Updating`; use `platform:resource:wait` to wait for `Ready`',
            ),
        link: z =>
          z.string().describe('Path of the resource’s page in the portal'),
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
          try {
            const resource = await platform.updateResource(
              id,
              { spec, generation },
              { credentials, engineToken: engineTokenOf(ctx) },
            );
            ctx.logger.info(
              `Updated ${resource.name} to generation ${resource.generation}`,
            );
            return summary(resource);
          } catch (error) {
            if (error instanceof ConflictError) {
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
      ctx.output('link', resourceLink(updated.id));
    },
  });
}

function summary(resource: {
  id: string;
  generation: number;
  status: { phase: string };
}) {
  return {
    id: resource.id,
    generation: resource.generation,
    phase: resource.status.phase,
  };
}
