import {
  ActionContext,
  createTemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { JsonObject } from '@backstage/types';
import {
  CreateResourceRequest,
  isPendingApproval,
  PlatformResource,
  resourceEntityRef,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import {
  APPROVAL_STATUS_DESCRIPTION,
  CHANGE_REQUEST_ID_DESCRIPTION,
  logNeedsApproval,
  PortalLinks,
} from './approvals';
import {
  checkpointKey,
  defaultIdempotencyKey,
  engineTokenInputDescription,
  engineTokenOf,
  throwIfCancelled,
} from './invocation';
import { changeRequestLink, resourceLink } from './links';
import { examples } from './request.examples';

/**
 * Requests a resource of a platform capability as the user who started the
 * task, so the platform's permissions apply to them.
 *
 * @public
 */
export function createPlatformResourceRequestAction(
  platform: PlatformService,
  links: PortalLinks = {},
) {
  return createTemplateAction({
    id: 'platform:resource:request',
    description:
      'Requests a resource of a platform capability (a database, a queue, …) as the user who runs the template. The request is validated against the capability’s input schema; a dry run answers what would be requested without creating it. When the request needs a person’s approval (a capability marked so, a platform rule), the step still succeeds: `approvalStatus` is `needs-approval`, `changeRequestId` names the change request, the log links to it, and no resource exists until someone approves it.',
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
        id: z =>
          z
            .string()
            .optional()
            .describe(
              'Id of the resource in the platform API; absent when the request needs approval',
            ),
        entityRef: z =>
          z
            .string()
            .optional()
            .describe(
              'Entity ref of the catalog `Resource` entity the platform creates for the resource; absent when the request needs approval',
            ),
        link: z =>
          z
            .string()
            .describe(
              'Path of the resource’s page in the portal; with `needs-approval`, of the change request’s page',
            ),
        phase: z =>
          z
            .string()
            .optional()
            .describe(
              'Phase of the resource when the request was accepted, usually `Pending`; use `platform:resource:wait` to wait for `Ready`. Absent when the request needs approval',
            ),
        approvalStatus: z =>
          z
            .enum(['not-required', 'needs-approval'])
            .describe(APPROVAL_STATUS_DESCRIPTION),
        changeRequestId: z =>
          z.string().optional().describe(CHANGE_REQUEST_ID_DESCRIPTION),
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
        const answer = await platform.createResource(request, {
          credentials,
          dryRun: true,
        });
        if (isPendingApproval(answer)) {
          throw new Error('The platform answered a dry run with a change');
        }
        const { resource } = answer;
        ctx.logger.info(
          `Dry run: would request ${describeResource(
            resource,
          )} with spec ${JSON.stringify(resource.spec)}${
            resource.approvalRequired
              ? `; it would need approval (${(
                  resource.approvalReasons ?? []
                ).join(', ')})`
              : ''
          }`,
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
        fn: async (): Promise<Requested> => {
          const answer = await platform.createResource(request, {
            credentials,
            idempotencyKey,
            engineToken: engineTokenOf(ctx),
          });
          if (isPendingApproval(answer)) {
            // The same key gives the same change request on a retry.
            const cr = answer.changeRequest;
            logNeedsApproval(ctx.logger, cr, links);
            return {
              changeRequestId: cr.id,
              spec: (cr.change.request?.spec ?? request.spec) as JsonObject,
            };
          }
          const { resource, created } = answer;
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
      if ('changeRequestId' in requested) {
        ctx.output('link', changeRequestLink(requested.changeRequestId));
        ctx.output('spec', requested.spec);
        ctx.output('approvalStatus', 'needs-approval');
        ctx.output('changeRequestId', requested.changeRequestId);
        return;
      }
      writeOutputs(ctx, {
        ...requested,
        status: { phase: requested.phase },
      });
    },
  });
}

/** What the request checkpoint keeps: the resource, or its change request. */
type Requested =
  | {
      id: string;
      capabilityRef: string;
      name: string;
      environment: string;
      phase: ResourcePhase;
      spec: PlatformResource['spec'];
    }
  | { changeRequestId: string; spec: JsonObject };

type RequestedResource = Pick<
  PlatformResource,
  'id' | 'capabilityRef' | 'name' | 'environment' | 'spec'
> & { status: Pick<PlatformResource['status'], 'phase'> };

type RequestOutputs = {
  id?: string;
  entityRef?: string;
  link: string;
  phase?: string;
  spec: JsonObject;
  approvalStatus: 'not-required' | 'needs-approval';
  changeRequestId?: string;
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
  ctx.output('approvalStatus', 'not-required');
}

function describeResource(resource: RequestedResource): string {
  return `${resource.name} (${resource.capabilityRef}, ${resource.environment})`;
}
