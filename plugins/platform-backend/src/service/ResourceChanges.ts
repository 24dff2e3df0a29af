import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  PendingApproval,
  PlatformResource,
  platformResourceDeletePermission,
  platformResourceUpdatePermission,
  UpdateResourceRequest,
} from '@trellis/backstage-plugin-platform-common';
import {
  PlatformCallOptions,
  PlatformEngine,
} from '@trellis/backstage-plugin-platform-node';
import { CapabilityRegistry } from '../capabilities/CapabilityRegistry';
import { PlatformStores } from '../database/PlatformStores';
import { EngineRegistry } from '../engines/EngineRegistry';
import { Observer } from '../observation/Observer';
import { checkUpdateRequest } from '../validation/requestValidation';
import { SpecValidator } from '../validation/SpecValidator';
import { audited, AuditContext } from './audited';
import { ChangeRequestCommands } from './ChangeRequestCommands';
import { EngineTokenHolds } from './EngineTokenHolds';
import { principalOf } from './principal';
import { ResourceAccess } from './ResourceAccess';

/**
 * Changes of an existing resource: update, delete and retry, each checked
 * against the change permissions and the approval gate, audited, and run
 * with the caller's token held for the engine when it acts as the user.
 */
export class ResourceChanges {
  constructor(
    private readonly deps: {
      store: PlatformStores;
      capabilities: CapabilityRegistry;
      engines: EngineRegistry;
      observer: Observer;
      access: ResourceAccess;
      tokenHolds: EngineTokenHolds;
      validator: SpecValidator;
      /** Turns an update or delete that needs approval into a change request. */
      approvalGate: Pick<ChangeRequestCommands, 'gateUpdate' | 'gateDelete'>;
      auditor: AuditorService;
      logger: LoggerService;
      /** The service's read: a change starts from what the caller may read. */
      getResource(
        id: string,
        options: PlatformCallOptions,
      ): Promise<PlatformResource>;
      kickDispatcher(): void;
    },
  ) {}

  async updateResource(
    id: string,
    request: UpdateResourceRequest,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource | PendingApproval> {
    return audited(
      this.deps,
      {
        eventId: 'resource-update',
        severityLevel: 'medium',
        options,
        meta: { resourceId: id },
        successMeta: updated =>
          'changeRequest' in updated
            ? { changeRequestId: updated.changeRequest.id }
            : { generation: updated.generation },
      },
      async () => {
        checkUpdateRequest(request);
        const resource = await this.deps.getResource(id, options);
        await this.deps.access.requireChange(
          platformResourceUpdatePermission,
          resource,
          options,
          'update',
        );
        const capability = await this.deps.capabilities.get(
          resource.capabilityRef,
        );
        const spec = this.deps.validator.validate(capability, request.spec);
        const pending = await this.deps.approvalGate.gateUpdate(
          resource,
          capability,
          spec,
          request.generation,
          options,
        );
        if (pending) return pending;
        return this.withHeldToken(resource, options, () =>
          this.deps.store.resources.updateSpec(
            id,
            request.generation,
            spec,
            principalOf(options.credentials),
          ),
        );
      },
    );
  }

  async deleteResource(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource | PendingApproval> {
    return audited(
      this.deps,
      {
        eventId: 'resource-delete',
        severityLevel: 'high',
        options,
        meta: { resourceId: id },
        successMeta: deleted =>
          'changeRequest' in deleted
            ? { changeRequestId: deleted.changeRequest.id }
            : {},
      },
      async () => {
        const resource = await this.deps.getResource(id, options);
        await this.deps.access.requireChange(
          platformResourceDeletePermission,
          resource,
          options,
          'delete',
        );
        const pending = await this.deps.approvalGate.gateDelete(
          resource,
          options,
        );
        if (pending) return pending;
        return this.withHeldToken(resource, options, () =>
          this.deps.store.resources.requestDelete(
            id,
            principalOf(options.credentials),
          ),
        );
      },
    );
  }

  async retryResource(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource> {
    return audited(
      this.deps,
      {
        eventId: 'resource-retry',
        severityLevel: 'medium',
        options,
        meta: { resourceId: id },
        successMeta: retried => ({ pending: retried.pending?.state ?? 'none' }),
      },
      async () => {
        const resource = await this.deps.getResource(id, options);
        // Handing the change over is making it: the same permission applies,
        // checked before anything else, so that "nothing pending" is an
        // answer only for those who may change the resource.
        const verb =
          resource.pending?.action === 'delete' ? 'delete' : 'update';
        await this.deps.access.requireChange(
          verb === 'delete'
            ? platformResourceDeletePermission
            : platformResourceUpdatePermission,
          resource,
          options,
          verb,
        );
        if (!resource.pending) return resource;
        return this.withHeldToken(resource, options, async () => {
          await this.deps.store.outbox.retryNow(id);
          return (await this.deps.store.resources.get(id))!;
        });
      },
    );
  }

  /**
   * The engine that holds `resource`: the one its row names, which the
   * dispatcher and the rollout runner use too, whatever its ref looks like.
   */
  async engineOf(resource: PlatformResource): Promise<PlatformEngine> {
    const found = await this.deps.store.resources.getWithEngine(resource.id);
    if (!found) throw new NotFoundError(`No resource ${resource.id}`);
    return this.deps.engines.get(found.engineId);
  }

  /**
   * Runs a change of `resource` that the dispatcher will hand to the engine,
   * holding the caller's token for it first when the engine acts as the user
   * (and putting the previous one back when the change is refused), then
   * starts a dispatch pass and announces the result.
   */
  private async withHeldToken(
    resource: PlatformResource,
    options: PlatformCallOptions,
    change: () => Promise<PlatformResource>,
  ): Promise<PlatformResource> {
    const engineToken = this.deps.tokenHolds.tokenFor(
      await this.engineOf(resource),
      options,
    );
    const changed = await this.deps.tokenHolds.holding(
      resource.id,
      engineToken,
      options,
      change,
    );
    this.deps.kickDispatcher();
    await this.deps.observer.announce(changed);
    return changed;
  }
}
