import {
  ActionContext,
  createTemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { JsonObject } from '@backstage/types';
import {
  CreateResourceRequest,
  PlatformResource,
  resourceEntityRef,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import {
  checkpointKey,
  defaultIdempotencyKey,
  engineTokenInputDescription,
  engineTokenOf,
  throwIfCancelled,
} from './invocation';
import { resourceLink } from './links';
import { examples } from './request.examples';

/**
 * Requests a resource of a platform capability as the user who started the
 * task, so the platform's permissions apply to them.
 *
 * @public
 */
export function createPlatformResourceRequestAction(platform: PlatformService) {
  return createTemplateAction({
    id: 'platform:resource:request',
    description:
      'Requests a resource of a platform capability (a database, a queue, …) as the user who runs the template. The request is validated against the capability’s input schema; a dry run answers what would be requested without creating it.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        capabilityRef: z =>
          z
            .string()
            .describe(
              'The capability to request, as `<engine>:<name>`, e.g. `local:postgresql`',
            ),
        name: z =>
          z
            .string()
            .describe(
              'Name of the resource: lower-case letters, digits and dashes, at most 63 characters; unique per capability and environment',
            ),
        environment: z =>
          z
            .string()
            .describe(
              'Environment the resource is for, e.g. `dev` or `production` (same rules as the name)',
            ),
        owner: z =>
          z
            .string()
            .describe(
              'Entity ref of the group that owns the resource, e.g. `group:default/team-a`',
            ),
        component: z =>
          z
            .string()
            .optional()
            .describe(
              'Entity ref of the catalog entity the resource belongs to, e.g. `component:default/orders`',
            ),
        spec: z =>
          z
            .record(z.any())
            .optional()
            .describe(
              'Input for the capability, checked against its input schema; properties left out take the schema’s defaults',
            ),
        idempotencyKey: z =>
          z
            .string()
            .min(1)
            .max(200)
            .optional()
            .describe(
              'Requests by the same user with the same key return the first resource instead of creating another (reusing a key for a different request fails). Defaults to a key derived from the task and step, so a retried task never requests twice',
            ),
        engineToken: z =>
          z.string().optional().describe(engineTokenInputDescription),
      },
      output: {
        id: z => z.string().describe('Id of the resource in the platform API'),
        entityRef: z =>
          z
            .string()
            .describe(
              'Entity ref of the catalog `Resource` entity the platform creates for the resource',
            ),
        link: z =>
          z.string().describe('Path of the resource’s page in the portal'),
        phase: z =>
          z
            .string()
            .describe(
              'Phase of the resource when the request was accepted, usually `Pending`; use `platform:resource:wait` to wait for `Ready`',
            ),
        spec: z =>
          z
            .record(z.any())
            .describe('The spec as the platform accepted it, with defaults'),
      },
    },
    async handler(ctx) {
      const { capabilityRef, name, environment, owner, component, spec } =
        ctx.input;
      const request: CreateResourceRequest = {
        capabilityRef,
        name,
        environment,
        owner,
        component,
        spec: spec ?? {},
      };
      const credentials = await ctx.getInitiatorCredentials();

      if (ctx.isDryRun) {
        const { resource } = await platform.createResource(request, {
          credentials,
          dryRun: true,
        });
        ctx.logger.info(
          `Dry run: would request ${describeResource(
            resource,
          )} with spec ${JSON.stringify(resource.spec)}`,
        );
        writeOutputs(ctx, resource);
        return;
      }

      throwIfCancelled(ctx.signal, `requesting ${name}`);
      const idempotencyKey =
        ctx.input.idempotencyKey ?? defaultIdempotencyKey(ctx);
      // The checkpoint answers a retried task from its first attempt; the
      // idempotency key covers a crash after the request but before the
      // checkpoint was saved.
      const requested = await ctx.checkpoint({
        key: checkpointKey(ctx, 'platform.resource.request'),
        fn: async () => {
          const { resource, created } = await platform.createResource(request, {
            credentials,
            idempotencyKey,
            engineToken: engineTokenOf(ctx),
          });
          ctx.logger.info(
            created
              ? `Requested ${describeResource(resource)}: ${resource.id}`
              : `${describeResource(
                  resource,
                )} was already requested with this idempotency key: ${
                  resource.id
                }`,
          );
          return {
            id: resource.id,
            capabilityRef: resource.capabilityRef,
            name: resource.name,
            environment: resource.environment,
            phase: resource.status.phase,
            spec: resource.spec,
          };
        },
      });
      writeOutputs(ctx, {
        ...requested,
        status: { phase: requested.phase },
      });
    },
  });
}

type RequestedResource = Pick<
  PlatformResource,
  'id' | 'capabilityRef' | 'name' | 'environment' | 'spec'
> & { status: Pick<PlatformResource['status'], 'phase'> };

type RequestOutputs = {
  id: string;
  entityRef: string;
  link: string;
  phase: string;
  spec: JsonObject;
};

function writeOutputs(
  ctx: Pick<ActionContext<JsonObject, RequestOutputs>, 'output'>,
  resource: RequestedResource,
) {
  ctx.output('id', resource.id);
  ctx.output('entityRef', resourceEntityRef(resource));
  ctx.output('link', resourceLink(resource.id));
  ctx.output('phase', resource.status.phase);
  ctx.output('spec', resource.spec);
}

function describeResource(resource: RequestedResource): string {
  return `${resource.name} (${resource.capabilityRef}, ${resource.environment})`;
}
