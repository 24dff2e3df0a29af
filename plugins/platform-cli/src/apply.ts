import { ResponseError } from '@backstage/errors';
import {
  ChangeRequest,
  CreateResourceRequest,
  isPendingApproval,
  JsonValue,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { createHash } from 'node:crypto';
import { describeChange } from './changeRequests';
import { CliContext } from './context';
import { CliError, EXIT } from './exitCodes';
import { findByName } from './lookup';

/** What applying one request did. */
export type ApplyOutcome =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'needs-approval';

export type ApplyResult =
  | {
      outcome: 'created' | 'updated' | 'unchanged';
      resource: PlatformResource;
    }
  | {
      /** Nothing changed yet: the change waits for a person's approval. */
      outcome: 'needs-approval';
      changeRequest: ChangeRequest;
      /** The resource as it is, for an update. */
      resource?: PlatformResource;
    };

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
    const answer = await ctx.client.createResourceWithResult(
      request,
      ctx.call({ idempotencyKey: idempotencyKey(request, after) }),
    );
    // The same file (the same key) gives the same change request again.
    if (isPendingApproval(answer)) {
      return {
        outcome: 'needs-approval',
        changeRequest: answer.changeRequest,
      };
    }
    const { resource, created } = answer;
    if (created) return { outcome: 'created', resource };
    if (!resource.deletedAt && resource.status.phase !== 'Deleted') {
      // An earlier apply of this same file (ours or a concurrent one) made it.
      return { outcome: 'unchanged', resource };
    }
    after = resource.id;
  }
  return undefined;
}

/** The dry run's answer: a create's dry run never becomes a change request. */
async function dryRun(
  ctx: CliContext,
  request: CreateResourceRequest,
): Promise<PlatformResource> {
  const answer = await ctx.client.createResourceWithResult(
    request,
    ctx.call({ dryRun: true }),
  );
  if (isPendingApproval(answer)) {
    throw new CliError(
      `The backend answered a dry run with change request ${answer.changeRequest.id}`,
      EXIT.error,
    );
  }
  return answer.resource;
}

/**
 * The update that already waits for approval, when the file asks for that
 * same spec again (apply twice = one change request); a conflict when
 * another change waits.
 */
async function pendingUpdate(
  ctx: CliContext,
  existing: PlatformResource,
  desiredSpec: string[],
  where: string,
): Promise<ChangeRequest | undefined> {
  const { items } = await ctx.client.listChangeRequests(
    { resourceId: existing.id, status: ['pending'], limit: 5 },
    ctx.call(),
  );
  const [pending] = items;
  if (!pending) return undefined;
  const spec = canonical(
    (pending.change.spec ?? pending.change.request?.spec) as
      | JsonValue
      | undefined,
  );
  if (pending.operation === 'update' && desiredSpec.includes(spec)) {
    return pending;
  }
  throw new CliError(
    `${where}: ${existing.name} already has change request ${
      pending.id
    } pending (${describeChange(
      pending,
    )}); apply again once it is decided (trellis approvals get ${pending.id})`,
    EXIT.conflict,
  );
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
      const resource = await dryRun(ctx, request);
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
    const desired = await dryRun(ctx, request);
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
      const answer = await ctx.client.updateResource(
        existing.id,
        { spec: request.spec ?? {}, generation: existing.generation },
        ctx.call(),
      );
      if (isPendingApproval(answer)) {
        return {
          outcome: 'needs-approval',
          changeRequest: answer.changeRequest,
          resource: existing,
        };
      }
      return { outcome: 'updated', resource: answer };
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      // The platform takes one change request per resource: this file's
      // update may be the one waiting (apply twice = one change request).
      const waiting = await pendingUpdate(
        ctx,
        existing,
        [canonical(desired.spec), canonical(request.spec ?? {})],
        where,
      );
      if (waiting) {
        return {
          outcome: 'needs-approval',
          changeRequest: waiting,
          resource: existing,
        };
      }
      // Changed by someone else since we read it: compare again.
      if (attempt < 2) continue;
      throw error;
    }
  }
  throw new CliError(
    `${where}: ${request.name} kept changing while it was applied; try again`,
    EXIT.conflict,
  );
}
