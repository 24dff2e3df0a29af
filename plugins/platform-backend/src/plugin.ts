import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { platformPermissions } from '@trellis/backstage-plugin-platform-common';
import {
  PLATFORM_RESOURCE_TOPIC,
  platformEnginesExtensionPoint,
  platformResourcePermissionResourceRef,
  platformResourcePermissionRules,
  PlatformResourceChangedEvent,
} from '@trellis/backstage-plugin-platform-node';
import { createPlatformActions, registerPlatformActions } from './actions';
import { readApprovalConfig } from './approvals/ApprovalRules';
import { CapabilityRegistry } from './capabilities/CapabilityRegistry';
import { UserTokenVault } from './credentials/UserTokenVault';
import { openPlatformStores } from './database/PlatformStores';
import { Dispatcher } from './dispatch/Dispatcher';
import { EngineRegistry } from './engines/EngineRegistry';
import { Observer } from './observation/Observer';
import { RolloutRunner } from './rollouts/RolloutRunner';
import { startDemoEstate } from './demo/startDemoEstate';
import { EventFeed } from './service/EventFeed';
import { PermissionDecisionCache } from './service/PermissionDecisionCache';
import { PlatformServiceImpl } from './service/PlatformServiceImpl';
import { createRouter } from './service/router';

/**
 * The Trellis platform backend plugin: one API over the orchestration engines
 * that backend modules register.
 *
 * @public
 */
export const platformPlugin = createBackendPlugin({
  pluginId: 'platform',
  register(env) {
    const engines = new EngineRegistry();
    env.registerExtensionPoint(platformEnginesExtensionPoint, {
      addEngine: engine => engines.add(engine),
    });

    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        rootLifecycle: coreServices.rootLifecycle,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        signals: signalsServiceRef,
        notifications: notificationService,
        events: eventsServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
      },
      async init(deps) {
        const { config, logger, scheduler, permissionsRegistry } = deps;
        engines.lock();
        const store = await openPlatformStores(deps.database, { logger });
        deps.lifecycle.addShutdownHook(() => store.close());
        const capabilities = new CapabilityRegistry(
          engines,
          store.capabilities,
          logger,
        );
        const observer = new Observer(
          store,
          engines,
          capabilities,
          deps.signals,
          logger,
        );
        // Users' tokens for engines that act as the user: memory only.
        const tokens = new UserTokenVault({
          maxHoldMs:
            (config.getOptionalNumber('platform.engineTokens.maxHoldSeconds') ??
              3600) * 1000,
        });
        const dispatcher = new Dispatcher(
          store,
          engines,
          logger,
          result => observer.announce(result.after),
          tokens,
          {
            leaseMs:
              (config.getOptionalNumber('platform.dispatch.leaseSeconds') ??
                60) * 1000,
            baseDelayMs:
              (config.getOptionalNumber('platform.dispatch.retryBaseSeconds') ??
                1) * 1000,
            maxDelayMs:
              (config.getOptionalNumber('platform.dispatch.retryMaxSeconds') ??
                300) * 1000,
            callTimeoutMs:
              (config.getOptionalNumber(
                'platform.dispatch.callTimeoutSeconds',
              ) ?? 30) * 1000,
          },
        );
        const rollouts = new RolloutRunner(store, engines, logger, tokens);

        permissionsRegistry.addPermissions(
          platformPermissions.filter(p => p.type === 'basic'),
        );
        permissionsRegistry.addResourceType({
          resourceRef: platformResourcePermissionResourceRef,
          permissions: platformPermissions.filter(p => p.type === 'resource'),
          rules: Object.values(platformResourcePermissionRules),
          getResources: ids => store.resources.getMany(ids),
        });

        const service = new PlatformServiceImpl({
          store,
          engines,
          tokens,
          capabilities,
          dispatcher,
          observer,
          rollouts,
          // A user's decisions are kept briefly: one round trip to the
          // permission backend cost more than the rest of a create.
          permissions: new PermissionDecisionCache(
            deps.permissions,
            (config.getOptionalNumber(
              'platform.permissions.decisionCacheSeconds',
            ) ?? 10) * 1000,
          ),
          permissionsRegistry,
          auditor: deps.auditor,
          logger,
          approvals: readApprovalConfig(config),
          signals: deps.signals,
          notifications: deps.notifications,
        });

        // MCP tools and `actions execute`: the service with the caller's
        // credentials, as over HTTP.
        registerPlatformActions(
          deps.actionsRegistry,
          createPlatformActions(service, {
            portalUrl: config.getOptionalString('app.baseUrl'),
          }),
        );

        logger.info(
          `Platform engines: ${
            engines
              .list()
              .map(e => e.id)
              .join(', ') || 'none registered'
          }`,
        );
        await capabilities.refresh();
        observer.start();
        // Other plugins (platformServiceRef, over HTTP) learn of changes on
        // the events service: which resource, nothing more.
        service.subscribe(({ resourceId }) => {
          const eventPayload: PlatformResourceChangedEvent = {
            resourceId,
            type: 'changed',
          };
          deps.events
            .publish({ topic: PLATFORM_RESOURCE_TOPIC, eventPayload })
            .catch(error =>
              logger.warn(`Could not publish a resource change: ${error}`),
            );
        });

        deps.lifecycle.addShutdownHook(() => observer.stop());
        if (config.getOptionalBoolean('platform.demo.enabled')) {
          // In the background: the estate must not hold up the start.
          deps.lifecycle.addStartupHook(() => {
            void startDemoEstate({ config, logger, service, auth: deps.auth });
          });
        }
        // Before any plugin stops (engines included): claim nothing more,
        // let engine calls in flight finish, hand back what did not.
        deps.rootLifecycle.addBeforeShutdownHook(() =>
          dispatcher.stop(
            (config.getOptionalNumber(
              'platform.dispatch.shutdownGraceSeconds',
            ) ?? 10) * 1000,
          ),
        );

        const seconds = (key: string, fallback: number) =>
          config.getOptionalNumber(key) ?? fallback;
        // Every replica dispatches (claims are leases, so no work is done
        // twice): a process-local engine's resources are dispatched by the
        // replica that holds them, and a run lost with its process holds up
        // nothing, where a global task stays claimed until it times out.
        await scheduler.scheduleTask({
          id: 'platform-dispatch',
          frequency: {
            seconds: seconds('platform.dispatch.intervalSeconds', 5),
          },
          timeout: { minutes: 1 },
          scope: 'local',
          fn: signal => dispatcher.dispatchDue(signal),
        });
        await scheduler.scheduleTask({
          id: 'platform-resync',
          frequency: {
            seconds: seconds('platform.resync.intervalSeconds', 60),
          },
          timeout: { minutes: 10 },
          initialDelay: { seconds: 10 },
          scope: 'global',
          fn: async () => {
            await capabilities.refresh();
            await observer.resync(engine => !engine.instanceId);
          },
        });
        // A process-local engine can only be compared with its own replica.
        if (engines.list().some(engine => engine.instanceId)) {
          await scheduler.scheduleTask({
            id: 'platform-resync-local',
            frequency: {
              seconds: seconds('platform.resync.intervalSeconds', 60),
            },
            timeout: { minutes: 10 },
            initialDelay: { seconds: 10 },
            scope: 'local',
            fn: () => observer.resync(engine => !!engine.instanceId),
          });
        }
        await scheduler.scheduleTask({
          id: 'platform-rollouts',
          frequency: {
            seconds: seconds('platform.rollouts.intervalSeconds', 5),
          },
          timeout: { minutes: 5 },
          scope: 'global',
          fn: () => rollouts.tick(),
        });

        // Pending change requests past their expiry are marked expired (and
        // their requesters told); approve and reject check expiry too.
        // Approvals a stopped backend left unfinished are finished: once now
        // (those whose approver's lease ran out) and in every run after.
        try {
          await service.expireChangeRequests();
        } catch (error) {
          logger.warn(
            `Could not expire or recover change requests at start: ${error}`,
          );
        }
        await scheduler.scheduleTask({
          id: 'platform-approvals-expire',
          frequency: {
            seconds: seconds('platform.approvals.expiryCheckSeconds', 60),
          },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 15 },
          scope: 'global',
          fn: async () => {
            await service.expireChangeRequests();
          },
        });

        deps.httpRouter.use(
          await createRouter({
            engines,
            service,
            eventFeed: new EventFeed({
              store,
              permissions: deps.permissions,
              permissionsRegistry,
              settleSeconds: seconds('platform.eventsFeed.settleSeconds', 5),
            }),
            httpAuth: deps.httpAuth,
            tokens,
          }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
