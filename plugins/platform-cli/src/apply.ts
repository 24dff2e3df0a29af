import { ResponseError } from '@backstage/errors';
import {
  CreateResourceRequest,
  JsonValue,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { createHash } from 'node:crypto';
import { CliContext } from './context';
import { CliError, EXIT } from './exitCodes';
import { findByName } from './lookup';

/** What applying one request did. */
export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

export interface ApplyResult {
  outcome: ApplyOutcome;
  resource: PlatformResource;
}

/** JSON with sorted keys, so that equal values compare equal. */
function canonical(value: JsonValue | undefined): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map(key => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof ResponseError && error.response.status === status;
}

/**
 * The Idempotency-Key of a create: the same file gives the same key, so two
 * applies racing each other make one resource. `after` is the id of a deleted
 * resource the key already named, so that applying the file again after a
 * delete creates a new one.
 */
function idempotencyKey(request: CreateResourceRequest, after?: string) {
  const digest = createHash('sha256')
    .update(canonical(request as unknown as JsonValue))
    .digest('hex')
    .slice(0, 40);
  return `trellis-apply:${digest}${after ? `:after:${after}` : ''}`;
}

async function create(
  ctx: CliContext,
  request: CreateResourceRequest,
): Promise<ApplyResult | undefined> {
  let after: string | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const { resource, created } = await ctx.client.createResourceWithResult(
      request,
      ctx.call({ idempotencyKey: idempotencyKey(request, after) }),
    );
    if (created) return { outcome: 'created', resource };
    if (!resource.deletedAt && resource.status.phase !== 'Deleted') {
      // An earlier apply of this same file (ours or a concurrent one) made it.
      return { outcome: 'unchanged', resource };
    }
    after = resource.id;
  }
  return undefined;
}

/** Compares the live resource with the file; fails on what apply cannot change. */
function checkImmutable(
  existing: PlatformResource,
  request: CreateResourceRequest,
  where: string,
) {
  const differs: string[] = [];
  if (existing.owner !== request.owner) {
    differs.push(`owner is ${existing.owner}, the file says ${request.owner}`);
  }
  if ((existing.component ?? '') !== (request.component ?? '')) {
    differs.push(
      `component is ${existing.component ?? '(none)'}, the file says ${
        request.component ?? '(none)'
      }`,
    );
  }
  if (differs.length > 0) {
    throw new CliError(
      `${where}: ${existing.name} exists (${existing.id}) and ${differs.join(
        '; ',
      )}. apply changes only spec; change the file, or delete the resource and apply again`,
      EXIT.conflict,
    );
  }
}

/**
 * Applies one request: creates the resource when no live resource has its
 * name in its capability and environment, replaces its spec when that differs
 * from the file's (after the capability's defaults), and does nothing when
 * they are equal.
 */
export async function applyRequest(
  ctx: CliContext,
  request: CreateResourceRequest,
  where: string,
  options: { dryRun?: boolean } = {},
): Promise<ApplyResult> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const [existing] = await findByName(ctx, request.name, {
      capability: request.capabilityRef,
      environment: request.environment,
    });
    if (!existing && options.dryRun) {
      const { resource } = await ctx.client.createResourceWithResult(
        request,
        ctx.call({ dryRun: true }),
      );
      return { outcome: 'created', resource: { ...resource, id: '' } };
    }
    if (!existing) {
      try {
        const result = await create(ctx, request);
        if (result) return result;
      } catch (error) {
        // Someone created it between our look-up and our create: look
        // again. Any other conflict (an unavailable capability) is the answer.
        if (!isStatus(error, 409)) throw error;
        const [raced] = await findByName(ctx, request.name, {
          capability: request.capabilityRef,
          environment: request.environment,
        });
        if (!raced) throw error;
      }
      continue;
    }
    checkImmutable(existing, request, where);
    // The spec as the backend would store it (with the schema's defaults).
    const { resource: desired } = await ctx.client.createResourceWithResult(
      request,
      ctx.call({ dryRun: true }),
    );
    if (canonical(desired.spec) === canonical(existing.spec)) {
      return { outcome: 'unchanged', resource: existing };
    }
    if (options.dryRun) {
      return {
        outcome: 'updated',
        resource: { ...existing, spec: desired.spec },
      };
    }
    try {
      const resource = await ctx.client.updateResource(
        existing.id,
        { spec: request.spec ?? {}, generation: existing.generation },
        ctx.call(),
      );
      return { outcome: 'updated', resource };
    } catch (error) {
      // Changed by someone else since we read it: compare again.
      if (isStatus(error, 409) && attempt < 2) continue;
      throw error;
    }
  }
  throw new CliError(
    `${where}: ${request.name} kept changing while it was applied; try again`,
    EXIT.conflict,
  );
}
