import {
  AuditorService,
  BackstageCredentials,
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  makeValidator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  toError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  PermissionCriteria,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  ConditionTransformer,
  createConditionTransformer,
} from '@backstage/plugin-permission-node';
import {
  Capability,
  CreateResourceRequest,
  CreateRolloutRequest,
  dnsLabelProblem,
  ENGINE_AUTHORIZATION_HEADER,
  FleetSummary,
  isResourcePhase,
  ListResourcesQuery,
  PipelineLog,
  PLATFORM_RESOURCE_TYPE,
  platformCapabilityReadPermission,
  platformCapabilityReconcilePermission,
  platformProductionChangePermission,
  PlatformResource,
  platformResourceCreatePermission,
  platformResourceDeletePermission,
  platformResourceReadPermission,
  platformResourceUpdatePermission,
  platformRolloutCreatePermission,
  platformRolloutReadPermission,
  PRODUCTION_ENVIRONMENT,
  ResourceEvent,
  ResourcePage,
  ResourceSignal,
  Rollout,
  UpdateResourceRequest,
} from '@trellis/backstage-plugin-platform-common';
import {
  CreateResourceOptions,
  CreateResourceResult,
  PlatformCallOptions,
  PlatformEngine,
  PlatformResourceFilter,
  platformResourcePermissionResourceRef,
  PlatformService,
} from '@trellis/backstage-plugin-platform-node';
import { createHash, randomUUID } from 'node:crypto';
import { CapabilityRegistry } from '../capabilities/CapabilityRegistry';
import { UserTokenVault } from '../credentials/UserTokenVault';
import {
  IdempotentReplay,
  nowIso,
  PlatformStore,
} from '../database/PlatformStore';
import { Dispatcher } from '../dispatch/Dispatcher';
import { EngineRegistry } from '../engines/EngineRegistry';
import { Observer } from '../observation/Observer';
import { RolloutRunner } from '../rollouts/RolloutRunner';
import { SpecValidator } from '../validation/SpecValidator';

/** Options that the HTTP layer adds to in-process calls. */
export interface AuditContext {
  /** The HTTP request, for the auditor's actor and request details. */
  request?: Parameters<AuditorService['createEvent']>[0]['request'];
}

type AuditMeta = Parameters<AuditorService['createEvent']>[0]['meta'];
type AuditSeverity = Parameters<
  AuditorService['createEvent']
>[0]['severityLevel'];

const MAX_WAVE_SIZE = 1000;
const MAX_PAUSE_SECONDS = 7 * 24 * 3600;

/** The catalog's own rules for kinds, namespaces and names. */
const entityRefParts = makeValidator();

function entityRefProblem(value: unknown, kind: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'is required';
  const expected = `must be an entity ref such as ${kind}:default/name`;
  let ref: { kind: string; namespace: string; name: string };
  try {
    ref = parseEntityRef(value, {
      defaultKind: kind,
      defaultNamespace: 'default',
    });
  } catch (error) {
    return expected;
  }
  if (!entityRefParts.isValidKind(ref.kind)) {
    return `${expected}; its kind is not valid`;
  }
  if (!entityRefParts.isValidNamespace(ref.namespace)) {
    return `${expected}; its namespace is not valid`;
  }
  if (!entityRefParts.isValidEntityName(ref.name)) {
    return `${expected}; its name is not valid (letters and digits, with - _ . between them, at most 63 characters)`;
  }
  return undefined;
}

function normalizeEntityRef(value: string, kind: string): string {
  // toLowerCase: locale-independent, as 'en-US', without a locale lookup.
  return stringifyEntityRef(
    parseEntityRef(value, { defaultKind: kind, defaultNamespace: 'default' }),
  ).toLowerCase();
}

function principalOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal.type === 'user' && principal.userEntityRef) {
    return principal.userEntityRef;
  }
  if (principal.type === 'service' && principal.subject) {
    return principal.subject;
  }
  return principal.type;
}

/**
 * The platform API's behaviour, shared by the HTTP router and in-process
 * callers: permission checks, validation, audit, persistence, and kicking
 * the dispatcher.
 */
export class PlatformServiceImpl implements PlatformService {
  private readonly validator = new SpecValidator();
  private readonly toFilter: ConditionTransformer<PlatformResourceFilter>;
  private readonly authorizeConditions: (
    decision: PolicyDecision,
    resource: PlatformResource | undefined,
  ) => boolean;

  constructor(
    private readonly deps: {
      store: PlatformStore;
      engines: EngineRegistry;
      tokens: UserTokenVault;
      capabilities: CapabilityRegistry;
      dispatcher: Dispatcher;
      observer: Observer;
      rollouts: RolloutRunner;
      permissions: PermissionsService;
      permissionsRegistry: PermissionsRegistryService;
      auditor: AuditorService;
      logger: LoggerService;
    },
  ) {
    const ruleset = deps.permissionsRegistry.getPermissionRuleset(
      platformResourcePermissionResourceRef,
    );
    this.authorizeConditions = createConditionAuthorizer(ruleset);
    this.toFilter = createConditionTransformer(ruleset);
  }

  // ---- capabilities

  async listCapabilities(options: PlatformCallOptions): Promise<Capability[]> {
    await this.requireBasic(platformCapabilityReadPermission, options);
    return this.deps.capabilities.list();
  }

  async getCapability(ref: string, options: PlatformCallOptions) {
    await this.requireBasic(platformCapabilityReadPermission, options);
    return this.deps.capabilities.get(ref);
  }

  // ---- resources

  async listResources(
    query: ListResourcesQuery,
    options: PlatformCallOptions,
  ): Promise<ResourcePage> {
    const filter = await this.readFilter(options);
    if (filter === false) return { items: [], totalCount: 0 };
    for (const phase of query.phase ?? []) {
      if (!isResourcePhase(phase)) {
        throw new InputError(`phase: '${phase}' is not a resource phase`);
      }
    }
    if (
      query.limit !== undefined &&
      (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 500)
    ) {
      throw new InputError('limit: must be an integer from 1 to 500');
    }
    return this.deps.store.listResources(query, filter);
  }

  async getResource(
    id: string,
    options: PlatformCallOptions,
  ): Promise<PlatformResource> {
    const resource = await this.deps.store.getResource(id);
    if (!resource) throw new NotFoundError(`No resource ${id}`);
    if (
      !(await this.allowed(platformResourceReadPermission, resource, options))
    ) {
      // Hide existence from callers who may not read it.
      throw new NotFoundError(`No resource ${id}`);
    }
    return resource;
  }

  async createResource(
    request: CreateResourceRequest,
    options: CreateResourceOptions & AuditContext,
  ): Promise<CreateResourceResult> {
    return this.audited(
      'resource-create',
      'medium',
      options,
      {
        capabilityRef: String(request?.capabilityRef ?? ''),
        name: String(request?.name ?? ''),
        environment: String(request?.environment ?? ''),
        dryRun: Boolean(options.dryRun),
      },
      () => this.create(request, options),
      result => ({ resourceId: result.resource.id, created: result.created }),
    );
  }

  private async create(
    request: CreateResourceRequest,
    options: CreateResourceOptions,
  ): Promise<CreateResourceResult> {
    const draft = await this.validateCreate(request, options.credentials);

    if (
      !(await this.allowed(
        platformResourceCreatePermission,
        draft.resource,
        options,
      ))
    ) {
      throw new NotAllowedError(
        `You may not request ${draft.capability.ref} for owner ${draft.resource.owner} in environment ${draft.resource.environment}`,
      );
    }
    if (!draft.capability.available) {
      throw new ConflictError(
        `Capability ${draft.capability.ref} is not available: ${
          draft.capability.availabilityMessage ??
          'the engine reports it unavailable'
        }`,
      );
    }
    if (options.dryRun) {
      return { resource: draft.resource, created: false };
    }
    const engine = this.deps.engines.get(draft.capability.engine);
    const engineToken = this.engineTokenFor(engine, options);

    const principal = principalOf(options.credentials);
    const key = options.idempotencyKey;
    if (key !== undefined && (key.length < 1 || key.length > 200)) {
      throw new InputError('Idempotency-Key: must be 1 to 200 characters');
    }
    const requestHash = createHash('sha256')
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
    if (key) {
      const earlier = await this.deps.store.findIdempotencyKey(principal, key);
      if (earlier)
        return this.replay(
          earlier.resource_id,
          earlier.request_hash,
          requestHash,
          options,
        );
    }

    // Held before the row exists, so that no dispatch pass finds it without.
    const undoHold = engineToken
      ? this.deps.tokens.hold(draft.resource.id, engineToken, principal)
      : () => {};
    let resource: PlatformResource;
    try {
      resource = await this.deps.store.insertResource(
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
        key ? { principal, key, requestHash } : undefined,
      );
    } catch (error) {
      undoHold();
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
    this.kickDispatcher();
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
      resource: await this.getResource(resourceId, options),
      created: false,
    };
  }

  /** Validates a create request; every error names the field. */
  private async validateCreate(
    request: CreateResourceRequest,
    credentials: BackstageCredentials,
  ): Promise<{
    capability: Capability;
    resource: PlatformResource;
    version: string;
  }> {
    if (typeof request !== 'object' || request === null) {
      throw new InputError('The request body must be a JSON object');
    }
    const problems: string[] = [];
    const nameProblem = dnsLabelProblem(request.name);
    if (nameProblem) problems.push(`name: ${nameProblem}`);
    const envProblem = dnsLabelProblem(request.environment);
    if (envProblem) problems.push(`environment: ${envProblem}`);
    const ownerProblem = entityRefProblem(request.owner, 'group');
    if (ownerProblem) problems.push(`owner: ${ownerProblem}`);
    if (request.component !== undefined && request.component !== null) {
      const componentProblem = entityRefProblem(request.component, 'component');
      if (componentProblem) problems.push(`component: ${componentProblem}`);
    }
    if (typeof request.capabilityRef !== 'string' || !request.capabilityRef) {
      problems.push('capabilityRef: is required');
    }
    if (problems.length) throw new InputError(problems.join('; '));

    let capability: Capability;
    try {
      capability = await this.deps.capabilities.get(request.capabilityRef);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new InputError(
          `capabilityRef: no capability ${request.capabilityRef}`,
        );
      }
      throw error;
    }
    const version = request.version ?? capability.version;
    if (typeof version !== 'string' || !capability.versions.includes(version)) {
      throw new InputError(
        `version: ${capability.ref} has no version ${JSON.stringify(
          version,
        )} (known: ${capability.versions.join(', ')})`,
      );
    }
    const spec = this.validator.validate(capability, request.spec);
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
        requestedBy: principalOf(credentials),
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

  async updateResource(
    id: string,
    request: UpdateResourceRequest,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource> {
    return this.audited(
      'resource-update',
      'medium',
      options,
      { resourceId: id },
      async () => {
        if (request?.generation === undefined) {
          throw new InputError(
            'generation: is required, the generation your change is based on',
          );
        }
        // Generations start at 1 and count changes: anything else cannot
        // match a resource, and is the caller's mistake rather than a conflict.
        if (
          !Number.isSafeInteger(request.generation) ||
          request.generation < 1
        ) {
          throw new InputError(
            `generation: must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, the generation your change is based on`,
          );
        }
        const resource = await this.getResource(id, options);
        await this.requireChange(
          platformResourceUpdatePermission,
          resource,
          options,
          'update',
        );
        const capability = await this.deps.capabilities.get(
          resource.capabilityRef,
        );
        const spec = this.validator.validate(capability, request.spec);
        return this.withHeldToken(resource, options, () =>
          this.deps.store.updateSpec(
            id,
            request.generation,
            spec,
            principalOf(options.credentials),
          ),
        );
      },
      updated => ({ generation: updated.generation }),
    );
  }

  async deleteResource(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource> {
    return this.audited(
      'resource-delete',
      'high',
      options,
      { resourceId: id },
      async () => {
        const resource = await this.getResource(id, options);
        await this.requireChange(
          platformResourceDeletePermission,
          resource,
          options,
          'delete',
        );
        return this.withHeldToken(resource, options, () =>
          this.deps.store.requestDelete(id, principalOf(options.credentials)),
        );
      },
    );
  }

  async retryResource(
    id: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<PlatformResource> {
    return this.audited(
      'resource-retry',
      'medium',
      options,
      { resourceId: id },
      async () => {
        const resource = await this.getResource(id, options);
        // Handing the change over is making it: the same permission applies,
        // checked before anything else, so that "nothing pending" is an
        // answer only for those who may change the resource.
        const verb =
          resource.pending?.action === 'delete' ? 'delete' : 'update';
        await this.requireChange(
          verb === 'delete'
            ? platformResourceDeletePermission
            : platformResourceUpdatePermission,
          resource,
          options,
          verb,
        );
        if (!resource.pending) return resource;
        return this.withHeldToken(resource, options, async () => {
          await this.deps.store.retryNow(id);
          return (await this.deps.store.getResource(id))!;
        });
      },
      retried => ({ pending: retried.pending?.state ?? 'none' }),
    );
  }

  async getResourceHistory(
    id: string,
    options: PlatformCallOptions,
  ): Promise<ResourceEvent[]> {
    await this.getResource(id, options);
    return this.deps.store.listEvents(id);
  }

  async getResourceLogs(
    id: string,
    options: PlatformCallOptions,
  ): Promise<PipelineLog[]> {
    const resource = await this.getResource(id, options);
    const engine = this.deps.engines.get(resource.capabilityRef.split(':')[0]);
    if (!engine.getLogs) return [];
    return engine.getLogs({ resourceId: id, engineRef: resource.engineRef });
  }

  // ---- fleet and rollouts

  async getFleetSummary(options: PlatformCallOptions): Promise<FleetSummary> {
    const filter = await this.readFilter(options);
    if (filter === false) return { items: [] };
    return { items: await this.deps.store.fleetCounts(filter) };
  }

  async reconcileCapability(
    ref: string,
    options: PlatformCallOptions & AuditContext,
  ): Promise<void> {
    return this.audited(
      'capability-reconcile',
      'medium',
      options,
      { capabilityRef: ref },
      async () => {
        await this.requireBasic(platformCapabilityReconcilePermission, options);
        const capability = await this.deps.capabilities.get(ref);
        const engine = this.deps.engines.get(capability.engine);
        if (!engine.reconcileAll) {
          throw new InputError(
            `Engine ${engine.id} cannot re-run the workflows of ${capability.ref}`,
          );
        }
        await engine.reconcileAll(capability.name, {
          actor: principalOf(options.credentials),
          userToken: this.engineTokenFor(engine, options),
        });
      },
    );
  }

  async createRollout(
    request: CreateRolloutRequest,
    options: PlatformCallOptions & AuditContext,
  ): Promise<Rollout> {
    return this.audited(
      'rollout-create',
      'high',
      options,
      {
        capabilityRef: String(request?.capabilityRef ?? ''),
        targetVersion: String(request?.targetVersion ?? ''),
      },
      async () => {
        await this.requireBasic(platformRolloutCreatePermission, options);
        const rollout = await this.planRollout(request, options);
        void this.deps.rollouts.tick();
        return rollout;
      },
      rollout => ({ rolloutId: rollout.id }),
    );
  }

  private async planRollout(
    request: CreateRolloutRequest,
    options: PlatformCallOptions,
  ): Promise<Rollout> {
    const { credentials } = options;
    if (typeof request?.capabilityRef !== 'string') {
      throw new InputError('capabilityRef: is required');
    }
    if (typeof request.targetVersion !== 'string' || !request.targetVersion) {
      throw new InputError('targetVersion: is required');
    }
    const waveSize = request.waveSize ?? 5;
    if (
      !Number.isInteger(waveSize) ||
      waveSize < 1 ||
      waveSize > MAX_WAVE_SIZE
    ) {
      throw new InputError(
        `waveSize: must be an integer from 1 to ${MAX_WAVE_SIZE}`,
      );
    }
    const pauseSeconds = request.pauseSeconds ?? 0;
    if (
      !Number.isInteger(pauseSeconds) ||
      pauseSeconds < 0 ||
      pauseSeconds > MAX_PAUSE_SECONDS
    ) {
      throw new InputError(
        `pauseSeconds: must be an integer from 0 to ${MAX_PAUSE_SECONDS}`,
      );
    }
    for (const env of request.environments ?? []) {
      const problem = dnsLabelProblem(env);
      if (problem) throw new InputError(`environments: '${env}' ${problem}`);
    }
    let capability: Capability;
    try {
      capability = await this.deps.capabilities.get(request.capabilityRef);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new InputError(
          `capabilityRef: no capability ${request.capabilityRef}`,
        );
      }
      throw error;
    }
    if (!capability.versions.includes(request.targetVersion)) {
      throw new InputError(
        `targetVersion: ${capability.ref} has no version ${
          request.targetVersion
        } (known: ${capability.versions.join(', ')})`,
      );
    }
    const engine = this.deps.engines.get(capability.engine);
    if (!engine.upgrade) {
      throw new InputError(
        `capabilityRef: engine ${engine.id} cannot upgrade instances, so ${capability.ref} cannot be rolled out`,
      );
    }
    const engineToken = this.engineTokenFor(engine, options);
    const running = await this.deps.store.listRollouts({
      capabilityRef: capability.ref,
      status: ['Running', 'Paused'],
    });
    if (running.length) {
      throw new ConflictError(
        `Rollout ${running[0].id} of ${
          capability.ref
        } is still ${running[0].status.toLocaleLowerCase(
          'en-US',
        )}; finish or cancel it first`,
      );
    }
    const resources = (
      await this.deps.store.resourcesOfCapability(
        capability.ref,
        request.environments,
      )
    ).filter(r => r.applied_version !== request.targetVersion);
    // Production last: earlier waves prove the version elsewhere first.
    resources.sort((a, b) => {
      const ap = a.environment === PRODUCTION_ENVIRONMENT ? 1 : 0;
      const bp = b.environment === PRODUCTION_ENVIRONMENT ? 1 : 0;
      return (
        ap - bp ||
        a.environment.localeCompare(b.environment) ||
        a.name.localeCompare(b.name)
      );
    });
    const id = randomUUID();
    const undoHold = engineToken
      ? this.deps.tokens.hold(
          RolloutRunner.tokenKey(id),
          engineToken,
          principalOf(credentials),
        )
      : () => {};
    try {
      return await this.deps.store.createRollout({
        id,
        capabilityRef: capability.ref,
        targetVersion: request.targetVersion,
        waveSize,
        pauseSeconds,
        createdBy: principalOf(credentials),
        items: resources.map((r, index) => ({
          resourceId: r.id,
          wave: Math.floor(index / waveSize),
          fromVersion: r.applied_version ?? undefined,
        })),
      });
    } catch (error) {
      undoHold();
      throw error;
    }
  }

  async getRollout(id: string, options: PlatformCallOptions): Promise<Rollout> {
    await this.requireBasic(platformRolloutReadPermission, options);
    const rollout = await this.deps.store.getRollout(id);
    if (!rollout) throw new NotFoundError(`No rollout ${id}`);
    return rollout;
  }

  async listRollouts(
    filter: { capabilityRef?: string },
    options: PlatformCallOptions,
  ): Promise<Rollout[]> {
    await this.requireBasic(platformRolloutReadPermission, options);
    const rows = await this.deps.store.listRollouts(filter);
    const rollouts = await Promise.all(
      rows.map(r => this.deps.store.getRollout(r.id)),
    );
    return rollouts.filter((r): r is Rollout => Boolean(r));
  }

  async pauseRollout(id: string, options: PlatformCallOptions & AuditContext) {
    return this.changeRollout(id, 'pause', options);
  }

  async resumeRollout(id: string, options: PlatformCallOptions & AuditContext) {
    return this.changeRollout(id, 'resume', options);
  }

  private async changeRollout(
    id: string,
    action: 'pause' | 'resume',
    options: PlatformCallOptions & AuditContext,
  ): Promise<Rollout> {
    return this.audited(
      `rollout-${action}`,
      'medium',
      options,
      { rolloutId: id },
      async () => {
        await this.requireBasic(platformRolloutCreatePermission, options);
        const rollout = await this.deps.store.getRollout(id);
        if (!rollout) throw new NotFoundError(`No rollout ${id}`);
        let undoHold = () => {};
        if (action === 'resume') {
          // The rest of the rollout runs with the resumer's token.
          const capability = await this.deps.capabilities.get(
            rollout.capabilityRef,
          );
          const engine = this.deps.engines.get(capability.engine);
          const engineToken = this.engineTokenFor(engine, options);
          if (engineToken) {
            undoHold = this.deps.tokens.hold(
              RolloutRunner.tokenKey(id),
              engineToken,
              principalOf(options.credentials),
            );
          }
        }
        const ok =
          action === 'pause'
            ? await this.deps.store.updateRollout(
                id,
                { status: ['Running'] },
                {
                  status: 'Paused',
                  message: `Paused by ${principalOf(options.credentials)}`,
                },
              )
            : await this.deps.store.updateRollout(
                id,
                { status: ['Paused'] },
                rollout.currentWave >= rollout.waveCount
                  ? { status: 'Completed', message: 'No waves left' }
                  : {
                      status: 'Running',
                      message: null,
                      next_wave_at: nowIso(),
                    },
              );
        if (!ok) {
          undoHold();
          throw new ConflictError(
            `Rollout ${id} is ${rollout.status}; only a ${
              action === 'pause' ? 'running' : 'paused'
            } rollout can be ${action}d`,
          );
        }
        if (action === 'resume') void this.deps.rollouts.tick();
        return (await this.deps.store.getRollout(id))!;
      },
    );
  }

  subscribe(listener: (signal: ResourceSignal) => void): () => void {
    return this.deps.observer.subscribe(listener);
  }

  // ---- helpers

  /**
   * Runs `run` as one audited mutation: an auditor event that succeeds with
   * `successMeta(result)` or fails with the error, which is rethrown.
   */
  private async audited<T>(
    eventId: string,
    severityLevel: AuditSeverity,
    options: PlatformCallOptions & AuditContext,
    meta: AuditMeta,
    run: () => Promise<T>,
    successMeta?: (result: T) => AuditMeta,
  ): Promise<T> {
    const auditEvent = await this.deps.auditor.createEvent({
      eventId,
      severityLevel,
      request: options.request,
      meta: { actor: principalOf(options.credentials), ...meta },
    });
    try {
      const result = await run();
      await auditEvent.success(
        successMeta ? { meta: successMeta(result) } : undefined,
      );
      return result;
    } catch (error) {
      // Audit records keep what failed and why; the stack is for debugging.
      const failure = toError(error);
      this.deps.logger.debug(`${eventId} failed`, failure);
      await auditEvent.fail({
        error: { name: failure.name, message: failure.message },
      });
      throw error;
    }
  }

  /**
   * The caller's token when `engine` makes changes with the user's own
   * identity, checked; an InputError naming the header when it is missing.
   * Undefined for other engines, which never see a user's token.
   */
  private engineTokenFor(
    engine: PlatformEngine,
    options: PlatformCallOptions,
  ): string | undefined {
    if (!engine.userAuth) return undefined;
    if (!options.engineToken) {
      throw new InputError(
        `${ENGINE_AUTHORIZATION_HEADER}: ${engine.title} makes changes with your own identity; send your ${engine.userAuth.provider} ID token as 'Bearer <token>'`,
      );
    }
    return this.deps.tokens.check(
      options.engineToken,
      ENGINE_AUTHORIZATION_HEADER,
    );
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
    const engine = this.deps.engines.get(resource.capabilityRef.split(':')[0]);
    const engineToken = this.engineTokenFor(engine, options);
    const undoHold = engineToken
      ? this.deps.tokens.hold(
          resource.id,
          engineToken,
          principalOf(options.credentials),
        )
      : () => {};
    let changed: PlatformResource;
    try {
      changed = await change();
    } catch (error) {
      undoHold();
      throw error;
    }
    this.kickDispatcher();
    await this.deps.observer.announce(changed);
    return changed;
  }

  /** Starts a dispatch pass now instead of waiting for the scheduled one. */
  private kickDispatcher() {
    this.deps.dispatcher
      .dispatchDue()
      .catch(error =>
        this.deps.logger.warn(
          `Immediate dispatch failed, the scheduled one will retry: ${error}`,
        ),
      );
  }

  private async requireBasic(
    permission: typeof platformCapabilityReadPermission,
    options: PlatformCallOptions,
  ) {
    const [decision] = await this.deps.permissions.authorize([{ permission }], {
      credentials: options.credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Missing permission ${permission.name}`);
    }
  }

  /** Evaluates a resource permission against one (possibly draft) resource. */
  private async allowed(
    permission: ResourcePermission<typeof PLATFORM_RESOURCE_TYPE>,
    resource: PlatformResource,
    options: PlatformCallOptions,
  ): Promise<boolean> {
    const [decision] = await this.deps.permissions.authorizeConditional(
      [{ permission }],
      { credentials: options.credentials },
    );
    return this.authorizeConditions(decision, resource);
  }

  private async requireChange(
    permission: ResourcePermission<typeof PLATFORM_RESOURCE_TYPE>,
    resource: PlatformResource,
    options: PlatformCallOptions,
    verb: 'update' | 'delete',
  ) {
    if (!(await this.allowed(permission, resource, options))) {
      throw new NotAllowedError(
        `You may not ${verb} resource ${resource.name}`,
      );
    }
    if (
      resource.environment === PRODUCTION_ENVIRONMENT &&
      !(await this.allowed(
        platformProductionChangePermission,
        resource,
        options,
      ))
    ) {
      throw new NotAllowedError(
        `Resource ${resource.name} is in production: to ${verb} it you need the ${platformProductionChangePermission.name} permission`,
      );
    }
  }

  /**
   * The read filter for lists: undefined when everything may be read, false
   * when nothing may, or criteria to apply in SQL.
   */
  private async readFilter(
    options: PlatformCallOptions,
  ): Promise<PermissionCriteria<PlatformResourceFilter> | undefined | false> {
    const [decision] = await this.deps.permissions.authorizeConditional(
      [{ permission: platformResourceReadPermission }],
      { credentials: options.credentials },
    );
    if (decision.result === AuthorizeResult.ALLOW) return undefined;
    if (decision.result === AuthorizeResult.CONDITIONAL) {
      return this.toFilter(decision.conditions);
    }
    return false;
  }
}
