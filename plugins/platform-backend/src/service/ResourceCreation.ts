import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import {
  Capability,
  CreateResourceRequest,
  isPendingApproval,
  PendingApproval,
  PlatformResource,
  platformResourceCreatePermission,
} from '@trellis/backstage-plugin-platform-common';
import {
  CreateResourceOptions,
  CreateResourceResult,
  PlatformCallOptions,
} from '@trellis/backstage-plugin-platform-node';
import { createHash, randomUUID } from 'node:crypto';
import { ApprovalRules } from '../approvals/ApprovalRules';
import { ChangeRequests } from '../approvals/ChangeRequests';
import { CapabilityRegistry } from '../capabilities/CapabilityRegistry';
import { nowIso } from '../database/knexHelpers';
import { PlatformStores } from '../database/PlatformStores';
import { IdempotentReplay, NewIdempotencyKey } from '../database/ResourceStore';
import { EngineRegistry } from '../engines/EngineRegistry';
import { Observer } from '../observation/Observer';
import {
  checkCreateRequest,
  checkIdempotencyKey,
  checkRequestedVersion,
  normalizeEntityRef,
  requestedCapability,
} from '../validation/requestValidation';
import { SpecValidator } from '../validation/SpecValidator';
import { audited, AuditContext } from './audited';
import { EngineTokenHolds } from './EngineTokenHolds';
import { principalOf } from './principal';
import { ResourceAccess } from './ResourceAccess';

/** A create request, checked, as the resource it would make. */
interface Draft {
  capability: Capability;
  resource: PlatformResource;
  version: string;
}

/**
 * `POST /resources`: validation, the create permission on the draft,
 * dry runs, idempotency keys, and the committed insert that the dispatcher
 * picks up.
 */
export class ResourceCreation {
  constructor(
    private readonly deps: {
      store: PlatformStores;
      capabilities: CapabilityRegistry;
      engines: EngineRegistry;
      observer: Observer;
      access: ResourceAccess;
      tokenHolds: EngineTokenHolds;
      validator: SpecValidator;
      approvalRules: ApprovalRules;
      changeRequests: ChangeRequests;
      auditor: AuditorService;
      logger: LoggerService;
      /** The service's read: replays answer only what the caller may read. */
      getResource(
        id: string,
        options: PlatformCallOptions,
      ): Promise<PlatformResource>;
      kickDispatcher(): void;
    },
  ) {}

  async createResource(
    request: CreateResourceRequest,
    options: CreateResourceOptions & AuditContext,
  ): Promise<CreateResourceResult | PendingApproval> {
    return audited(
      this.deps,
      {
        eventId: 'resource-create',
        severityLevel: 'medium',
        options,
        meta: {
          capabilityRef: String(request?.capabilityRef ?? ''),
          name: String(request?.name ?? ''),
          environment: String(request?.environment ?? ''),
          dryRun: Boolean(options.dryRun),
        },
        successMeta: result =>
          isPendingApproval(result)
            ? { changeRequestId: result.changeRequest.id, created: false }
            : { resourceId: result.resource.id, created: result.created },
      },
      () => this.create(request, options),
    );
  }

  private async create(
    request: CreateResourceRequest,
    options: CreateResourceOptions & AuditContext,
  ): Promise<CreateResourceResult | PendingApproval> {
    const draft = await this.validate(
      request,
      principalOf(options.credentials),
    );

    if (
      !(await this.deps.access.allowed(
        platformResourceCreatePermission,
        draft.resource,
        options,
      ))
    ) {
      throw new NotAllowedError(
        `You may not request ${draft.capability.ref} for owner ${draft.resource.owner} in environment ${draft.resource.environment}`,
      );
    }
    checkAvailable(draft.capability);
    const reasons = await this.deps.approvalRules.reasons(
      'create',
      draft.resource,
      draft.capability,
      options,
    );
    if (options.dryRun) {
      // A dry run never makes a change request; it says one would be made.
      return {
        resource: reasons.length
          ? {
              ...draft.resource,
              approvalRequired: true,
              approvalReasons: reasons,
            }
          : draft.resource,
        created: false,
      };
    }
    const engine = this.deps.engines.get(draft.capability.engine);
    const engineToken = this.deps.tokenHolds.tokenFor(engine, options);

    const principal = principalOf(options.credentials);
    const key = options.idempotencyKey;
    checkIdempotencyKey(key);
    const requestHash = hashOf(request, draft);
    if (key) {
      // A create that became a change request: its repeat finds it.
      const pending = await this.deps.changeRequests.replay(
        key,
        requestHash,
        options,
      );
      if (pending) return pending;
    }
    if (key) {
      const earlier = await this.deps.store.idempotencyKeys.find(
        principal,
        key,
      );
      if (earlier)
        return this.replay(
          earlier.resourceId,
          earlier.requestHash,
          requestHash,
          options,
        );
    }

    if (reasons.length) {
      return this.deps.changeRequests.request(
        {
          operation: 'create',
          resource: draft.resource,
          change: { request: approvedRequest(request, draft) },
          reasons,
          idempotency: key ? { key, requestHash } : undefined,
        },
        options,
      );
    }

    let resource: PlatformResource;
    try {
      // Held before the row exists, so that no dispatch pass finds it without.
      resource = await this.deps.tokenHolds.holding(
        draft.resource.id,
        engineToken,
        options,
        () =>
          this.insert(draft, key ? { principal, key, requestHash } : undefined),
      );
    } catch (error) {
      if (error instanceof IdempotentReplay) {
        return this.replay(
          error.resourceId,
          error.requestHash,
          requestHash,
          options,
        );
      }
      throw error;
    }
    this.deps.kickDispatcher();
    // Not awaited: the create is committed, and announcing it (browsers,
    // in-process subscribers) needs nothing more from the caller.
    void this.deps.observer.announce(resource);
    return { resource, created: true };
  }

  private async replay(
    resourceId: string,
    earlierHash: string,
    requestHash: string,
    options: PlatformCallOptions,
  ): Promise<CreateResourceResult> {
    if (earlierHash !== requestHash) {
      throw new ConflictError(
        'Idempotency-Key: was already used for a different request',
      );
    }
    return {
      resource: await this.deps.getResource(resourceId, options),
      created: false,
    };
  }

  /**
   * Creates the resource of an approved change request, as the platform: the
   * request is checked again (the capability may have changed since), and
   * the resource is the requester's. Whoever approved it held the approve
   * permission; the create permission was the requester's, checked when they
   * asked. Under `idempotency` (the change request's key) a second call, a
   * recovery after a stop, returns the resource the first one made.
   */
  async createApproved(
    request: CreateResourceRequest,
    requestedBy: string,
    idempotency?: NewIdempotencyKey,
  ): Promise<PlatformResource> {
    // Applied before (a recovery after a stop): the resource made then.
    const replayOf = async (resourceId: string, requestHash: string) => {
      if (requestHash !== idempotency?.requestHash) {
        throw new ConflictError(
          `Idempotency key ${idempotency?.key} was already used for a different request`,
        );
      }
      const earlier = await this.deps.store.resources.get(resourceId);
      if (!earlier) throw new ConflictError(`Resource ${resourceId} is gone`);
      return earlier;
    };
    if (idempotency) {
      const earlier = await this.deps.store.idempotencyKeys.find(
        idempotency.principal,
        idempotency.key,
      );
      if (earlier) return replayOf(earlier.resourceId, earlier.requestHash);
    }
    const draft = await this.validate(request, requestedBy);
    checkAvailable(draft.capability);
    let resource: PlatformResource;
    try {
      resource = await this.insert(draft, idempotency);
    } catch (error) {
      if (error instanceof IdempotentReplay) {
        return replayOf(error.resourceId, error.requestHash);
      }
      throw error;
    }
    this.deps.kickDispatcher();
    return resource;
  }

  /** The committed insert of a validated draft (the dispatcher picks it up). */
  private insert(
    draft: Draft,
    idempotency: NewIdempotencyKey | undefined,
  ): Promise<PlatformResource> {
    return this.deps.store.resources.insert(
      {
        id: draft.resource.id,
        capabilityRef: draft.capability.ref,
        engineId: draft.capability.engine,
        name: draft.resource.name,
        environment: draft.resource.environment,
        owner: draft.resource.owner,
        requestedBy: draft.resource.requestedBy,
        component: draft.resource.component,
        spec: draft.resource.spec,
        version: draft.version,
      },
      idempotency,
    );
  }

  /** Validates a create request; every error names the field. */
  private async validate(
    request: CreateResourceRequest,
    requestedBy: string,
  ): Promise<Draft> {
    checkCreateRequest(request);
    const capability = await requestedCapability(
      this.deps.capabilities,
      request.capabilityRef,
    );
    const version = checkRequestedVersion(request, capability);
    const spec = this.deps.validator.validate(capability, request.spec);
    const now = nowIso();
    return {
      capability,
      version,
      resource: {
        id: randomUUID(),
        capabilityRef: capability.ref,
        name: request.name,
        environment: request.environment,
        owner: normalizeEntityRef(request.owner, 'group'),
        requestedBy,
        component: request.component
          ? normalizeEntityRef(request.component, 'component')
          : undefined,
        spec,
        generation: 1,
        observedGeneration: 0,
        status: { phase: 'Pending', conditions: [] },
        outputs: {},
        createdAt: now,
        updatedAt: now,
      },
    };
  }
}

/** The request a change request applies: as understood, defaults applied. */
function approvedRequest(
  request: CreateResourceRequest,
  draft: Draft,
): CreateResourceRequest {
  return {
    capabilityRef: draft.capability.ref,
    name: draft.resource.name,
    environment: draft.resource.environment,
    owner: draft.resource.owner,
    ...(draft.resource.component
      ? { component: draft.resource.component }
      : {}),
    spec: draft.resource.spec,
    ...(request.version === undefined ? {} : { version: draft.version }),
  };
}

/** A capability its engine reports unavailable takes no new resource. */
function checkAvailable(capability: Capability): void {
  if (!capability.available) {
    throw new ConflictError(
      `Capability ${capability.ref} is not available: ${
        capability.availabilityMessage ?? 'the engine reports it unavailable'
      }`,
    );
  }
}

/** What an idempotency key is bound to: the request as it was understood. */
function hashOf(request: CreateResourceRequest, draft: Draft): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        request.capabilityRef,
        draft.resource.name,
        draft.resource.environment,
        draft.resource.owner,
        draft.resource.component ?? null,
        draft.resource.spec,
        // Only when pinned, so that keys stored before pinning still match.
        ...(request.version === undefined ? [] : [draft.version]),
      ]),
    )
    .digest('hex');
}
