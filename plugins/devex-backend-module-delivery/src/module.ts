import {
  coreServices,
  createBackendFeatureLoader,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { Octokit } from '@octokit/rest';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { eventsExtensionPoint } from '@backstage/plugin-events-node/alpha';
import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import { devexSourcesExtensionPoint } from '@trellis/backstage-plugin-devex-node';
import { CatalogMapper } from './CatalogMapper';
import { DeliveryIngestor, DeliveryProvider } from './DeliveryIngestor';
import { DeliveryStore, migrateDeliveryStore } from './DeliveryStore';
import { withFirstCommit } from './backfill';
import { firstCommitOf, GithubBackfill } from './GithubBackfill';
import { GitlabApi, gitlabConnections, gitlabFirstCommitOf } from './GitlabApi';
import { GitlabBackfill } from './GitlabBackfill';
import { createPagerdutySignatureValidator } from './pagerduty';
import { createDeliveryRouter } from './router';

/**
 * The events topics the module reads: GitHub's and GitLab's after their
 * events modules' routers split them by event type (`x-github-event`,
 * `object_kind`), and the PagerDuty ingress topic.
 */
export const DELIVERY_TOPICS: Record<string, DeliveryProvider> = {
  'github.pull_request': 'github',
  'github.deployment_status': 'github',
  'github.issues': 'github',
  'gitlab.merge_request': 'gitlab',
  'gitlab.deployment': 'gitlab',
  pagerduty: 'pagerduty',
};

/**
 * The DevEx source of delivery facts (`delivery.*`): GitHub, GitLab and
 * PagerDuty webhooks received by the events backend's HTTP ingress, stored
 * raw by delivery id and interpreted into facts.
 *
 * @public
 */
export const devexModuleDelivery = createBackendModule({
  pluginId: 'devex',
  moduleId: 'delivery',
  register(reg) {
    reg.registerInit({
      deps: {
        sources: devexSourcesExtensionPoint,
        events: eventsServiceRef,
        database: coreServices.database,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        scheduler: coreServices.scheduler,
        config: coreServices.rootConfig,
      },
      async init(deps) {
        const { config } = deps;
        const settings = config.getOptionalConfig('devex.delivery');
        const productionEnvironments = settings?.getOptionalStringArray(
          'productionEnvironments',
        ) ?? ['production', 'prod'];
        const incidentLabel =
          settings?.getOptionalString('incidentLabel') ?? 'incident';
        const db = await deps.database.getClient();
        if (!deps.database.migrations?.skip) {
          await migrateDeliveryStore(db);
        }
        const store = new DeliveryStore(db);
        const mapper = new CatalogMapper(deps.catalog, deps.auth);

        deps.httpRouter.use(
          createDeliveryRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            store,
          }),
        );

        deps.sources.addSource({
          id: 'delivery',
          title: 'Delivery events (GitHub, GitLab, PagerDuty)',
          kinds: [
            DevexFactKind.deliveryChangeMerged,
            DevexFactKind.deliveryDeployment,
            DevexFactKind.deliveryIncidentOpened,
            DevexFactKind.deliveryIncidentResolved,
          ],
          howToConnect:
            'Add @trellis/backstage-plugin-devex-backend-module-delivery, @backstage/plugin-events-backend and its GitHub and GitLab modules to the backend, list github, gitlab and pagerduty under events.http.topics, and point the webhooks at /api/events/http/<topic> (docs/devex.md, "Delivery").',
          async start({ sink, logger, cursors }) {
            const integrations = ScmIntegrations.fromConfig(config);
            const githubCredentials =
              DefaultGithubCredentialsProvider.fromIntegrations(integrations);
            const octokitFor = async (repo: string) => {
              const url = `https://github.com/${repo}`;
              const integration = integrations.github.byUrl(url);
              if (!integration) return undefined;
              const { token } = await githubCredentials.getCredentials({ url });
              return new Octokit({
                auth: token,
                baseUrl: integration.config.apiBaseUrl,
              });
            };
            // Only a configured integration: ScmIntegrations always lists a
            // default, unauthenticated github.com (60 requests an hour).
            const hasGithub =
              (config.getOptionalConfigArray('integrations.github') ?? [])
                .length > 0;
            const gitlab = gitlabConnections(integrations);
            const gitlabFirstCommit = async (repo: string, iid: number) => {
              const project = (await mapper.gitlabProjects()).find(
                p => p.path.toLowerCase() === repo.toLowerCase(),
              );
              const connection = await gitlab.connectionFor(
                project ?? { path: repo },
              );
              if (!connection) return undefined;
              // A webhook is not held up by a rate limit: the fact is
              // written without the first commit instead.
              const api = new GitlabApi(connection, async ms => {
                throw new Error(`GitLab rate limited for ${ms} ms`);
              });
              return gitlabFirstCommitOf(api, repo, iid);
            };
            const ingestor = new DeliveryIngestor(store, mapper, sink, logger, {
              productionEnvironments,
              incidentLabel,
              // A merged pull/merge request's first commit, read from the
              // SCM's API when an integration covers the repo (webhooks
              // carry no commit dates).
              enrich: async draft => {
                const repo = draft.attributes.repo;
                const number = draft.attributes.number;
                if (
                  draft.kind !== DevexFactKind.deliveryChangeMerged ||
                  typeof repo !== 'string' ||
                  typeof number !== 'number'
                ) {
                  return;
                }
                if (
                  gitlab.configured &&
                  draft.attributes.provider === 'gitlab'
                ) {
                  withFirstCommit(draft, await gitlabFirstCommit(repo, number));
                  return;
                }
                if (!hasGithub || draft.attributes.provider !== 'github') {
                  return;
                }
                const octokit = await octokitFor(repo);
                if (octokit) {
                  withFirstCommit(
                    draft,
                    await firstCommitOf(octokit, repo, number),
                  );
                }
              },
            });
            await deps.events.subscribe({
              id: 'devex-delivery',
              topics: Object.keys(DELIVERY_TOPICS),
              onEvent: async params => {
                const provider = DELIVERY_TOPICS[params.topic];
                if (!provider) return;
                try {
                  await ingestor.receive(
                    provider,
                    params.eventPayload,
                    (params.metadata ?? {}) as Record<string, string>,
                  );
                } catch (error) {
                  // Not even stored (database down): the sender retries.
                  logger.error(
                    `Delivery on ${params.topic} could not be stored`,
                    error as Error,
                  );
                  throw error;
                }
              },
            });
            // What both SCMs' backfills share: where they write, their
            // window, and their schedule.
            const backfillOptions = {
              write: (drafts: Parameters<typeof ingestor.writeDrafts>[0]) =>
                ingestor.writeDrafts(drafts),
              cursors,
              logger,
              interpret: { productionEnvironments, incidentLabel },
              days: settings?.getOptionalNumber('backfillDays') ?? 90,
            };
            const scheduleBackfill = (
              scm: 'github' | 'gitlab',
              run: () => Promise<{ repos: number; facts: number }>,
              describe: (result: { repos: number; facts: number }) => string,
            ) =>
              deps.scheduler.scheduleTask({
                id: `devex-delivery-${scm}-backfill`,
                frequency: {
                  minutes:
                    settings?.getOptionalNumber('backfillIntervalMinutes') ??
                    60,
                },
                timeout: { minutes: 30 },
                initialDelay: { minutes: 1 },
                fn: async () => {
                  logger.info(describe(await run()));
                },
              });
            if (hasGithub) {
              const backfill = new GithubBackfill({
                ...backfillOptions,
                repos: () => mapper.githubRepos(),
                octokitFor,
              });
              await scheduleBackfill(
                'github',
                () => backfill.run(),
                ({ repos, facts }) =>
                  `GitHub backfill: ${repos} repo(s) read, ${facts} fact(s) written`,
              );
            }
            if (gitlab.configured) {
              const backfill = new GitlabBackfill({
                ...backfillOptions,
                projects: () => mapper.gitlabProjects(),
                connectionFor: gitlab.connectionFor,
              });
              await scheduleBackfill(
                'gitlab',
                () => backfill.run(),
                ({ repos, facts }) =>
                  `GitLab backfill: ${repos} project(s) read, ${facts} fact(s) written`,
              );
            }
            await deps.scheduler.scheduleTask({
              id: 'devex-delivery-pending',
              frequency: { minutes: 1 },
              timeout: { minutes: 5 },
              initialDelay: { seconds: 20 },
              fn: async () => {
                const n = await ingestor.retryPending();
                if (n)
                  logger.info(
                    `Delivery: ${n} pending delivery(ies) interpreted`,
                  );
              },
            });
          },
        });
      },
    });
  },
});

/**
 * The PagerDuty v3 webhook ingress: topic `pagerduty` of the events
 * backend's HTTP ingress (`POST /api/events/http/pagerduty`), checked
 * against `events.modules.pagerduty.webhookSecret`.
 *
 * @public
 */
export const eventsModulePagerdutyWebhook = createBackendModule({
  pluginId: 'events',
  moduleId: 'pagerduty-webhook',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        events: eventsExtensionPoint,
      },
      async init({ config, events }) {
        events.addHttpPostIngress({
          topic: 'pagerduty',
          validator: createPagerdutySignatureValidator(config),
        });
      },
    });
  },
});

/**
 * Both modules: the devex delivery source and the PagerDuty ingress.
 *
 * @public
 */
export const devexDeliveryFeatures = createBackendFeatureLoader({
  loader() {
    return [devexModuleDelivery, eventsModulePagerdutyWebhook];
  },
});
