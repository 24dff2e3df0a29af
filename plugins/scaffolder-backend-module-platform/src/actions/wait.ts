import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  RESOURCE_PHASES,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { examples } from './wait.examples';
import { waitForResource } from './waitForResource';

const DEFAULT_TIMEOUT_SECONDS = 600;
const MAX_TIMEOUT_SECONDS = 3600;
const DEFAULT_PHASES: ResourcePhase[] = ['Ready'];

/** @public */
export interface PlatformResourceWaitActionOptions {
  /**
   * How often the resource is read when no change notification arrives, a
   * safety net for a missed one. Default 10 seconds.
   */
  pollIntervalMs?: number;
}

/**
 * Waits for a platform resource to reach a phase, `Ready` by default, and
 * writes every phase change to the task log.
 *
 * @public
 */
export function createPlatformResourceWaitAction(
  platform: PlatformService,
  options: PlatformResourceWaitActionOptions = {},
) {
  const pollIntervalMs = options.pollIntervalMs ?? 10_000;
  return createTemplateAction({
    id: 'platform:resource:wait',
    description:
      'Waits for a platform resource to become Ready (or reach other phases), logging each phase change. Fails with the engine’s message when the resource fails, and when the timeout passes.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        id: z =>
          z
            .string()
            .describe(
              'Id of the resource, e.g. `${{ steps.database.output.id }}`',
            ),
        timeoutSeconds: z =>
          z
            .number()
            .positive()
            .max(MAX_TIMEOUT_SECONDS)
            .optional()
            .describe(
              `How long to wait before failing the task, in seconds (default ${DEFAULT_TIMEOUT_SECONDS}, at most ${MAX_TIMEOUT_SECONDS})`,
            ),
        phases: z =>
          z
            .array(z.enum(RESOURCE_PHASES))
            .min(1)
            .optional()
            .describe(
              'Phases that end the wait successfully (default `[Ready]`), e.g. `[Deleted]` after a delete',
            ),
      },
      output: {
        phase: z => z.string().describe('The phase the resource reached'),
        message: z =>
          z
            .string()
            .optional()
            .describe('The status message the engine reported, if any'),
        outputs: z =>
          z
            .record(z.union([z.string(), z.number(), z.boolean()]))
            .describe(
              'Non-secret values the resource exposes, such as `host` or `url`',
            ),
      },
    },
    async handler(ctx) {
      const { id } = ctx.input;
      const phases = ctx.input.phases ?? DEFAULT_PHASES;
      const timeoutSeconds =
        ctx.input.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;

      if (ctx.isDryRun) {
        // A dry run's request creates nothing, so there is nothing to read.
        ctx.logger.info(
          `Dry run: would wait up to ${timeoutSeconds} seconds for ${id} to become ${phases.join(
            ' or ',
          )}`,
        );
        ctx.output('phase', phases[0]);
        ctx.output('outputs', {});
        return;
      }

      const resource = await waitForResource({
        platform,
        credentials: await ctx.getInitiatorCredentials(),
        id,
        phases,
        timeoutSeconds,
        pollIntervalMs,
        logger: ctx.logger,
        signal: ctx.signal,
      });
      ctx.output('phase', resource.status.phase);
      if (resource.status.message) {
        ctx.output('message', resource.status.message);
      }
      ctx.output('outputs', resource.outputs);
    },
  });
}
