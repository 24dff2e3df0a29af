import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { devexPermissions } from '@trellis/backstage-plugin-devex-common';
import { devexSourcesExtensionPoint } from '@trellis/backstage-plugin-devex-node';
import { createDevexActions } from './actions/metricsActions';
import { registerDevexActions } from './actions/devexAction';
import { DatabaseCursorStore } from './database/CursorStore';
import { DirectoryStore } from './database/DirectoryStore';
import { FactStore } from './database/FactStore';
import { connectDevexDatabase } from './database/migrate';
import { WriteLock } from './database/WriteLock';
import { DemoHistory } from './demo/DemoHistory';
import { CatalogDirectorySync } from './directory/CatalogDirectorySync';
import { MetricsService } from './metrics/MetricsService';
import { DeliveryCatalog } from './metrics/delivery/DeliveryCatalog';
import { DeliveryIndex } from './metrics/delivery/DeliveryIndex';
import { DeliveryMetrics } from './metrics/delivery/DeliveryMetrics';
import { readDeliveryOptions } from './metrics/delivery/options';
import { SourceRegistry } from './registry/SourceRegistry';
import { ReportingCalendar } from './rollups/days';
import { DevexReads } from './service/DevexReads';
import { createRouter } from './service/router';

/**
 * The Trellis DevEx backend plugin: the fact store, the sources registered
 * through `devexSourcesExtensionPoint`, the catalog directory, and the
 * metrics API.
 *
 * @public
 */
export const devexPlugin = createBackendPlugin({
  pluginId: 'devex',
  register(env) {
    const registry = new SourceRegistry();
    env.registerExtensionPoint(devexSourcesExtensionPoint, {
      addSource: source => registry.add(source),
    });

    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
      },
      async init(deps) {
        const { config, logger, scheduler } = deps;
        registry.lock();
        const calendar = new ReportingCalendar(
          config.getOptionalString('devex.reportingTimeZone') ?? 'UTC',
        );
        const minGroupSize =
          config.getOptionalNumber('devex.privacy.minGroupSize') ?? 3;
        if (!Number.isInteger(minGroupSize) || minGroupSize < 1) {
          throw new Error(
            'devex.privacy.minGroupSize must be a whole number of at least 1',
          );
        }
        const retentionDays =
          config.getOptionalNumber('devex.retention.days') ?? 400;
        const maxRangeDays =
          config.getOptionalNumber('devex.maxRangeDays') ?? 366;

        const db = await connectDevexDatabase(deps.database);
        const directory = new DirectoryStore(db);
        const store = new FactStore(db, directory, calendar, new WriteLock());
        const metrics = new MetricsService(
          db,
          store,
          directory,
          registry,
          calendar,
          {
            minGroupSize,
          },
        );
        const deliveryOptions = readDeliveryOptions(config);
        const deliveryIndex = new DeliveryIndex(db, calendar, {
          failureWindowHours: deliveryOptions.failureWindowHours,
        });
        const delivery = new DeliveryMetrics(
          db,
          deliveryIndex,
          new DeliveryCatalog(deps.catalog, deps.auth),
          directory,
          calendar,
          { ...deliveryOptions, minGroupSize },
          kinds => metrics.sources(kinds),
        );
        const directorySync = new CatalogDirectorySync(
          deps.catalog,
          deps.auth,
          directory,
          logger,
        );
        const sinkFor = (source: string) => ({
          write: (facts: unknown[], options?: { recoverable?: boolean }) =>
            store.write(source, facts, undefined, options),
        });

        deps.permissionsRegistry.addPermissions(devexPermissions);

        for (const source of registry.list()) {
          try {
            await source.start({
              sink: sinkFor(source.id),
              cursors: new DatabaseCursorStore(db, source.id),
              logger: logger.child({ devexSource: source.id }),
            });
            logger.info(`DevEx source started: ${source.id}`);
          } catch (error) {
            // One broken source must not take the others (or the API) down.
            logger.error(
              `DevEx source ${source.id} failed to start`,
              error as Error,
            );
          }
        }

        await scheduler.scheduleTask({
          id: 'devex-directory',
          frequency: {
            minutes:
              config.getOptionalNumber('devex.directory.intervalMinutes') ?? 10,
          },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 5 },
          fn: async () => {
            await directorySync.sync();
          },
        });
        // Until the catalog has settled after a start: without it, a fresh
        // backend's teams stay empty until the sync above runs again.
        await scheduler.scheduleTask({
          id: 'devex-directory-settle',
          scope: 'local',
          frequency: { seconds: 15 },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 15 },
          fn: async () => {
            await directorySync.settle();
          },
        });
        await scheduler.scheduleTask({
          id: 'devex-delivery-index',
          frequency: { minutes: 1 },
          timeout: { minutes: 30 },
          initialDelay: { seconds: 20 },
          fn: async () => {
            await deliveryIndex.catchUp();
          },
        });
        await scheduler.scheduleTask({
          id: 'devex-retention',
          frequency: { hours: 6 },
          timeout: { minutes: 30 },
          initialDelay: { minutes: 5 },
          fn: async () => {
            const { deleted, retainedFrom } = await store.applyRetention(
              retentionDays,
            );
            logger.info(
              `DevEx retention: ${deleted} raw facts before ${retainedFrom} deleted; rollups kept`,
            );
          },
        });
        if (config.getOptionalBoolean('devex.demo.enabled')) {
          const demo = new DemoHistory(
            {
              analytics: sinkFor('analytics'),
              scaffolder: sinkFor('scaffolder'),
              platform: sinkFor('platform'),
              delivery: sinkFor('delivery'),
            },
            logger,
            new DatabaseCursorStore(db, 'demo'),
          );
          // Every minute until the catalog has users, then once a day (the
          // new day's facts); re-delivered facts are stored once.
          let filledDay: string | undefined;
          let usersSeen = -1;
          await scheduler.scheduleTask({
            id: 'devex-demo-history',
            frequency: { minutes: 1 },
            timeout: { minutes: 10 },
            initialDelay: { seconds: 10 },
            scope: 'local',
            fn: async () => {
              if (filledDay === calendar.today()) return;
              let users = await directory.currentMembers();
              if (users.length === 0) {
                await directorySync.sync();
                users = await directory.currentMembers();
              }
              if (users.length === 0) {
                logger.info(
                  'DevEx demo history: no catalog users yet; trying again later',
                );
                return;
              }
              // The catalog stitches the example org a few entities at a
              // time; the story (who joins when, who merges what) is made
              // for the whole org, once its size has held for a minute.
              if (users.length !== usersSeen) {
                usersSeen = users.length;
                await directorySync.sync();
                logger.info(
                  `DevEx demo history: ${users.length} catalog users so far; waiting for the count to settle`,
                );
                return;
              }
              await demo.fill(users);
              filledDay = calendar.today();
            },
          });
        }

        // The figures as the HTTP API and the actions (MCP tools, `actions
        // execute`) answer them: one permission check, validation and fold.
        const reads = new DevexReads({
          permissions: deps.permissions,
          metrics,
          delivery,
          maxRangeDays,
        });
        registerDevexActions(deps.actionsRegistry, createDevexActions(reads));

        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            store,
            metrics,
            reads,
            registry,
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
