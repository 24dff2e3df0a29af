import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { examples } from './getCapability.examples';

/**
 * Reads a platform capability, so later steps can use its version, schema
 * and availability.
 *
 * @public
 */
export function createPlatformCapabilityGetAction(platform: PlatformService) {
  return createTemplateAction({
    id: 'platform:capability:get',
    description:
      'Reads a platform capability as the user who runs the template: its title, versions, input schema and whether it is available.',
    examples,
    // Read only, so a dry run does exactly what a real run does.
    supportsDryRun: true,
    schema: {
      input: {
        ref: z =>
          z
            .string()
            .describe(
              'The capability, as `<engine>:<name>`, e.g. `local:postgresql`',
            ),
      },
      output: {
        ref: z => z.string().describe('The capability ref'),
        title: z => z.string().describe('Human readable name'),
        description: z =>
          z.string().optional().describe('What the capability offers'),
        version: z => z.string().describe('The version new resources get'),
        versions: z =>
          z
            .array(z.string())
            .describe('Every version the engine knows of, oldest first'),
        inputSchema: z =>
          z
            .record(z.any())
            .describe('JSON Schema of the spec a request must carry'),
        available: z =>
          z.boolean().describe('Whether the capability can be requested now'),
        availabilityMessage: z =>
          z
            .string()
            .optional()
            .describe('Why the capability is unavailable, when it is'),
        owner: z =>
          z
            .string()
            .optional()
            .describe('Entity ref of the team that offers the capability'),
      },
    },
    async handler(ctx) {
      const capability = await platform.getCapability(ctx.input.ref, {
        credentials: await ctx.getInitiatorCredentials(),
      });
      ctx.output('ref', capability.ref);
      ctx.output('title', capability.title);
      if (capability.description) {
        ctx.output('description', capability.description);
      }
      ctx.output('version', capability.version);
      ctx.output('versions', capability.versions);
      ctx.output('inputSchema', capability.inputSchema);
      ctx.output('available', capability.available);
      if (capability.availabilityMessage) {
        ctx.output('availabilityMessage', capability.availabilityMessage);
      }
      if (capability.owner) {
        ctx.output('owner', capability.owner);
      }
    },
  });
}
