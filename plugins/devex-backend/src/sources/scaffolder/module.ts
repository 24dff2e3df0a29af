import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import { devexSourcesExtensionPoint } from '@trellis/backstage-plugin-devex-node';
import { isoDurationSeconds } from './isoDuration';
import {
  SCAFFOLDER_TASK_TOPIC,
  ScaffolderTaskSource,
} from './ScaffolderTaskSource';
import { ScaffolderTasksClient } from './ScaffolderTasksClient';

const TIME_SAVED_ANNOTATION = 'backstage.io/time-saved';
const TEMPLATE_CACHE_MS = 10 * 60_000;

/**
 * The DevEx source of scaffolder task outcomes (`golden-path.run` facts):
 * the `scaffolder.task` events, plus a scheduled backfill from the
 * scaffolder's task API so that nothing is missed while devex or the event
 * bus was down.
 *
 * @public
 */
export const scaffolderSourceModule = createBackendModule({
  pluginId: 'devex',
  moduleId: 'scaffolder-source',
  register(reg) {
    reg.registerInit({
      deps: {
        sources: devexSourcesExtensionPoint,
        events: eventsServiceRef,
        scheduler: coreServices.scheduler,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
      },
      async init({
        sources,
        events,
        scheduler,
        auth,
        discovery,
        config,
        catalog,
      }) {
        const settings = config.getOptionalConfig('devex.sources.scaffolder');
        const options = {
          initialBackfillDays:
            settings?.getOptionalNumber('initialBackfillDays') ?? 90,
          lookbackDays: settings?.getOptionalNumber('lookbackDays') ?? 7,
          pageSize: settings?.getOptionalNumber('pageSize') ?? 100,
        };
        const intervalMinutes =
          settings?.getOptionalNumber('backfillIntervalMinutes') ?? 15;

        // Templates change rarely; their time-saved is read once in a while.
        const templates = new Map<string, { at: number; seconds?: number }>();
        const timeSaved = async (templateRef: string) => {
          const cached = templates.get(templateRef);
          if (cached && Date.now() - cached.at < TEMPLATE_CACHE_MS) {
            return cached.seconds;
          }
          const entity = await catalog.getEntityByRef(templateRef, {
            credentials: await auth.getOwnServiceCredentials(),
          });
          const seconds = isoDurationSeconds(
            entity?.metadata.annotations?.[TIME_SAVED_ANNOTATION],
          );
          templates.set(templateRef, { at: Date.now(), seconds });
          return seconds;
        };

        sources.addSource({
          id: 'scaffolder',
          title: 'Scaffolder task outcomes',
          kinds: [DevexFactKind.goldenPathRun],
          howToConnect:
            "Add @trellis/backstage-plugin-devex-backend's scaffolderSourceModule to the backend (the default export includes it). It listens to the events service topic scaffolder.task and backfills from the scaffolder's /v2/tasks API, so the scaffolder must be reachable through discovery.",
          async start({ sink, cursors, logger }) {
            const source = new ScaffolderTaskSource({
              client: new ScaffolderTasksClient({ discovery, auth }),
              timeSaved,
              sink,
              cursors,
              logger,
              options,
            });
            await events.subscribe({
              id: 'devex-scaffolder-source',
              topics: [SCAFFOLDER_TASK_TOPIC],
              onEvent: event => source.onEvent(event.eventPayload),
            });
            await scheduler.scheduleTask({
              id: 'devex-scaffolder-backfill',
              frequency: { minutes: intervalMinutes },
              timeout: { minutes: 15 },
              initialDelay: { seconds: 30 },
              scope: 'global',
              fn: async () => {
                await source.backfill();
              },
            });
          },
        });
      },
    });
  },
});
