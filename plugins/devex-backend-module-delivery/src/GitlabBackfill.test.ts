import {
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import eventsPlugin from '@backstage/plugin-events-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
// The real devex plugin: its fact store is where double counting would show.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import { devexPlugin } from '@trellis/backstage-plugin-devex-backend';
import { Knex } from 'knex';
import { setupServer } from 'msw/node';
import { dirname, join } from 'path';
import request from 'supertest';
import {
  apiCommit,
  apiDeployment,
  apiMergeRequest,
  apiProject,
  fakeGitlab,
  FakeGitlab,
  gitlabHandlers,
  tooManyRequests,
} from './__testUtils__/gitlabApi';
import {
  gitlabDeployment,
  gitlabMergedMergeRequest,
} from './__testUtils__/payloads';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { CatalogMapper } from './CatalogMapper';
import { gitlabConnections } from './GitlabApi';
import { GitlabBackfill } from './GitlabBackfill';
import { devexModuleDelivery } from './index';
import { DraftFact } from './interpret';

jest.setTimeout(120_000);

const API = 'https://gitlab.test/api/v4';
const PATH = 'acme/shop';
const PROJECT_ID = 42;
const NOW = new Date('2026-11-30T12:00:00Z');
const hoursAgo = (n: number, now = NOW) =>
  new Date(now.getTime() - n * 3_600_000).toISOString();

/** `2026-11-22T12:00:00.000Z` as `2026-11-22T14:00:00.000+02:00`. */
const withOffset = (iso: string, hours: number) =>
  `${new Date(Date.parse(iso) + hours * 3_600_000)
    .toISOString()
    .slice(0, -1)}+${String(hours).padStart(2, '0')}:00`;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function memoryCursors() {
  const map = new Map<string, string>();
  return {
    map,
    get: async (k: string) => map.get(k),
    set: async (k: string, v: string) => {
      map.set(k, v);
    },
  };
}

/**
 * 150 merge requests merged one an hour (iid 1 oldest … 150 newest), each
 * with two commits; one merged 200 days ago but commented on yesterday;
 * deployments: production success, staging failed, production running.
 */
function shop(now = NOW): FakeGitlab {
  const gitlab = fakeGitlab();
  gitlab.projects.push(apiProject(PROJECT_ID, PATH));
  const mrs = Array.from({ length: 150 }, (_, i) => {
    const at = hoursAgo(150 - i, now);
    return apiMergeRequest({
      projectId: PROJECT_ID,
      path: PATH,
      iid: i + 1,
      updatedAt: at,
      mergedAt: at,
    });
  });
  mrs.push(
    apiMergeRequest({
      projectId: PROJECT_ID,
      path: PATH,
      iid: 999,
      updatedAt: hoursAgo(24, now),
      mergedAt: hoursAgo(200 * 24, now),
    }),
  );
  gitlab.mergeRequests.set(PROJECT_ID, mrs);
  for (const mr of mrs) {
    gitlab.commits.set(mr.iid, [
      apiCommit('b'.repeat(40), hoursAgo(170, now)),
      // The oldest, written as GitLab does with the committer's offset.
      apiCommit('a'.repeat(40), withOffset(hoursAgo(190, now), 2)),
    ]);
  }
  gitlab.deployments.set(PROJECT_ID, [
    apiDeployment({
      path: PATH,
      id: 71,
      status: 'success',
      environment: 'Production',
      createdAt: hoursAgo(5, now),
      updatedAt: hoursAgo(4.9, now),
    }),
    apiDeployment({
      path: PATH,
      id: 72,
      status: 'failed',
      environment: 'staging',
      createdAt: hoursAgo(3, now),
      updatedAt: hoursAgo(2.9, now),
    }),
    apiDeployment({
      path: PATH,
      id: 73,
      status: 'running',
      environment: 'production',
      createdAt: hoursAgo(1, now),
      updatedAt: hoursAgo(1, now),
    }),
  ]);
  return gitlab;
}

function backfill(
  cursors: ReturnType<typeof memoryCursors>,
  written: DraftFact[],
  waits: number[],
) {
  return new GitlabBackfill({
    projects: async () => [{ path: PATH, host: 'gitlab.test' }],
    connectionFor: async () => ({
      host: 'gitlab.test',
      apiBaseUrl: API,
      headers: { Authorization: 'Bearer glpat-test' },
    }),
    write: async drafts => {
      written.push(...drafts);
    },
    cursors,
    logger: mockServices.logger.mock(),
    interpret: {
      productionEnvironments: ['production'],
      incidentLabel: 'incident',
    },
    days: 90,
    now: () => NOW,
    sleep: async ms => {
      waits.push(ms);
    },
  });
}

const listCalls = (gitlab: FakeGitlab, what: string) =>
  gitlab.calls.filter(c =>
    c.startsWith(`GET /projects/${PROJECT_ID}/${what}?`),
  );

describe('GitlabBackfill', () => {
  it('reads merged merge requests over pages and finished deployments, waiting out a 429, and reads only what is new next time', async () => {
    const gitlab = shop();
    let limited = false;
    gitlab.limit = url => {
      if (!limited && url.pathname.endsWith('/merge_requests/3/commits')) {
        limited = true;
        return tooManyRequests(3);
      }
      return undefined;
    };
    server.use(...gitlabHandlers(API, gitlab));
    const cursors = memoryCursors();
    const written: DraftFact[] = [];
    const waits: number[] = [];

    const result = await backfill(cursors, written, waits).run();

    const merged = written.filter(f => f.kind === 'delivery.change.merged');
    // iid 999 was merged before the window: not written.
    expect(merged.map(f => f.attributes.number)).toEqual(
      Array.from({ length: 150 }, (_, i) => i + 1),
    );
    const lists = listCalls(gitlab, 'merge_requests');
    expect(lists).toHaveLength(2);
    expect(lists[1]).toContain('page=2');
    const first = new URL(`https://x${lists[0].slice(4)}`).searchParams;
    expect(Object.fromEntries(first)).toEqual({
      per_page: '100',
      state: 'merged',
      updated_after: hoursAgo(90 * 24),
      order_by: 'updated_at',
      sort: 'asc',
    });
    expect(waits).toEqual([3000]); // Retry-After: 3
    expect(gitlab.calls[0]).toBe('GET /projects/acme%2Fshop');
    expect(merged[0]).toEqual({
      sourceId: 'gitlab:pr/acme/shop/1/merged',
      kind: 'delivery.change.merged',
      time: hoursAgo(150),
      subject: 'gitlab:pr/acme/shop/1',
      value: 40 * 3600, // from the oldest commit, 190 h ago
      attributes: {
        provider: 'gitlab',
        repo: PATH,
        number: 1,
        url: 'https://gitlab.test/acme/shop/-/merge_requests/1',
        firstCommitAt: hoursAgo(190),
        mergeSha: '1'.padStart(40, 'c'),
        baseBranch: 'master',
        labels: ['feature'],
      },
      repo: { provider: 'gitlab', name: PATH },
      // The author (the webhook can only name who merged).
      login: { provider: 'gitlab', login: 'ada' },
    });

    const deployments = written.filter(f => f.kind === 'delivery.deployment');
    expect(deployments.map(d => d.sourceId)).toEqual([
      'gitlab:deployment/acme/shop/71/status/success',
      'gitlab:deployment/acme/shop/72/status/failed',
    ]);
    expect(deployments[0]).toMatchObject({
      time: hoursAgo(4.9),
      subject: 'gitlab:deployment/acme/shop/71',
      attributes: {
        environment: 'Production',
        production: true,
        status: 'success',
        sha: '71'.padStart(40, 'd'),
        url: 'https://gitlab.test/acme/shop/-/jobs/671',
        createdAt: hoursAgo(5),
      },
    });
    expect(deployments[1].attributes).toMatchObject({
      production: false,
      status: 'failure',
    });
    expect(result).toEqual({ repos: 1, facts: 152 });
    expect(cursors.map.get('gitlab:gitlab.test/acme/shop:merge_requests')).toBe(
      hoursAgo(1),
    );
    // The running deployment was read: the cursor is past it.
    expect(cursors.map.get('gitlab:gitlab.test/acme/shop:deployments')).toBe(
      hoursAgo(1),
    );

    // Next run: nothing new but the running deployment, now finished
    // (GitLab moves its updated_at).
    const running = gitlab.deployments.get(PROJECT_ID)![2];
    running.status = 'success';
    running.updated_at = hoursAgo(0.5);
    running.finished_at = hoursAgo(0.5);
    gitlab.calls.length = 0;
    written.length = 0;
    const again = await backfill(cursors, written, waits).run();
    expect(written.map(f => f.sourceId)).toEqual([
      'gitlab:deployment/acme/shop/73/status/success',
    ]);
    expect(again.facts).toBe(1);
    expect(gitlab.calls.filter(c => c.includes('/commits'))).toEqual([]);
    expect(listCalls(gitlab, 'merge_requests')[0]).toContain(
      `updated_after=${encodeURIComponent(hoursAgo(1))}`,
    );
  });

  it('stops a run on a rate limit longer than it may wait, and the next run resumes where it stopped', async () => {
    const gitlab = shop();
    gitlab.pagination = 'link'; // pages only through the Link header
    let limitedPage2 = true;
    gitlab.limit = url =>
      limitedPage2 &&
      url.pathname.endsWith('/merge_requests') &&
      url.searchParams.get('page') === '2'
        ? tooManyRequests(3600)
        : undefined;
    server.use(...gitlabHandlers(API, gitlab));
    const cursors = memoryCursors();
    const written: DraftFact[] = [];
    const waits: number[] = [];

    const stopped = await backfill(cursors, written, waits).run();

    expect(waits).toEqual([]); // an hour is longer than a run waits
    expect(stopped.repos).toBe(1);
    expect(written).toHaveLength(100); // page 1, written as it was read
    // Deployments were not read: the run stopped at the rate limit.
    expect(listCalls(gitlab, 'deployments')).toEqual([]);
    // Up to the last merge request before the one the page ended on (a
    // later one could share its updated_at).
    const key = 'gitlab:gitlab.test/acme/shop:merge_requests';
    expect(cursors.map.get(key)).toBe(hoursAgo(150 - 98));

    limitedPage2 = false;
    gitlab.calls.length = 0;
    const resumed = await backfill(cursors, written, waits).run();
    expect(listCalls(gitlab, 'merge_requests')[0]).toContain(
      `updated_after=${encodeURIComponent(hoursAgo(52))}`,
    );
    // iid 100 once more (the store keeps one), then 101 … 150.
    expect(resumed.facts).toBe(51 + 2);
    const numbers = written
      .filter(f => f.kind === 'delivery.change.merged')
      .map(f => f.attributes.number);
    expect(new Set(numbers).size).toBe(150);
    expect(numbers.length).toBe(151);
    expect(cursors.map.get(key)).toBe(hoursAgo(1));
  });

  it('skips a project no integration covers and goes on after one that fails', async () => {
    const gitlab = shop();
    // A deployment GitLab lists without an environment: passed, not a failure.
    const broken = gitlab.deployments.get(PROJECT_ID)![0] as any;
    delete broken.environment;
    server.use(...gitlabHandlers(API, gitlab));
    const written: DraftFact[] = [];
    const logger = mockServices.logger.mock();
    const result = await new GitlabBackfill({
      projects: async () => [
        { path: 'elsewhere/app', host: 'gitlab.other' },
        { path: 'acme/gone' },
        { path: PATH },
      ],
      connectionFor: async project =>
        project.host === 'gitlab.other'
          ? undefined
          : { host: 'gitlab.test', apiBaseUrl: API, headers: {} },
      write: async drafts => {
        written.push(...drafts);
      },
      cursors: memoryCursors(),
      logger,
      interpret: { productionEnvironments: [], incidentLabel: 'incident' },
      days: 90,
      now: () => NOW,
    }).run();
    expect(result).toEqual({ repos: 2, facts: 151 });
    expect(logger.warn).toHaveBeenCalledWith(
      `GitLab backfill: /projects/${PROJECT_ID}/deployments item updated ${hoursAgo(
        4.9,
      )} skipped: body.environment: must be a non-empty string`,
    );
    expect(logger.warn).toHaveBeenCalledWith(
      'GitLab backfill of acme/gone failed; it continues next run',
      expect.objectContaining({
        message: expect.stringContaining('GitLab 404'),
      }),
    );
  });
});

describe('GitLab projects and the integration each goes to', () => {
  it('reads the host from gitlab.com/instance or the source location, else takes the first integration with a token', async () => {
    const catalog = catalogServiceMock({
      entities: [
        entity('Component', 'a', {
          'gitlab.com/project-slug': 'team/a',
          'gitlab.com/instance': 'https://gitlab.corp.test/',
        }),
        entity('Component', 'b', {
          'gitlab.com/project-slug': 'team/b',
          'backstage.io/source-location':
            'url:https://gitlab.corp.test/team/b/-/tree/main/',
        }),
        entity('Component', 'c', { 'gitlab.com/project-slug': 'team/c' }),
        entity('Component', 'd', {
          'gitlab.com/project-slug': 'team/d',
          'gitlab.com/instance': 'gitlab.unknown.test',
        }),
        // The same project twice: read once.
        entity('Component', 'c-docs', { 'gitlab.com/project-slug': 'Team/C' }),
        entity('Component', 'gh', { 'github.com/project-slug': 'acme/gh' }),
      ],
    });
    const mapper = new CatalogMapper(catalog, mockServices.auth());
    const projects = await mapper.gitlabProjects();
    expect(projects).toEqual([
      { path: 'team/a', host: 'gitlab.corp.test', sourceHost: undefined },
      { path: 'team/b', host: undefined, sourceHost: 'gitlab.corp.test' },
      { path: 'team/c', host: undefined, sourceHost: undefined },
      { path: 'team/d', host: 'gitlab.unknown.test', sourceHost: undefined },
    ]);

    const { configured, connectionFor } = gitlabConnections(
      ScmIntegrations.fromConfig(
        new ConfigReader({
          integrations: {
            gitlab: [
              { host: 'gitlab.first.test', apiBaseUrl: API, token: 't1' },
              {
                host: 'gitlab.corp.test',
                apiBaseUrl: 'https://gitlab.corp.test/api/v4',
                token: 't2',
              },
            ],
          },
        }),
      ),
    );
    expect(configured).toBe(true);
    const hosts = await Promise.all(
      projects.map(async p => (await connectionFor(p))?.host),
    );
    expect(hosts).toEqual([
      'gitlab.corp.test',
      'gitlab.corp.test',
      'gitlab.first.test',
      undefined, // named a host no integration covers
    ]);
    expect((await connectionFor(projects[0]))?.headers).toEqual({
      Authorization: 'Bearer t2',
    });
    // Only gitlab.com without a token (ScmIntegrations' default): none.
    expect(
      gitlabConnections(ScmIntegrations.fromConfig(new ConfigReader({})))
        .configured,
    ).toBe(false);
  });
});

function testDatabaseIds(): TestDatabaseId[] {
  const ids: TestDatabaseId[] = ['SQLITE_3'];
  for (const version of [18, 17, 16, 15, 14, 13]) {
    if (
      process.env[
        `BACKSTAGE_TEST_DATABASE_POSTGRES${version}_CONNECTION_STRING`
      ]
    ) {
      ids.push(`POSTGRES_${version}` as TestDatabaseId);
      break;
    }
  }
  return ids;
}
const databases = TestDatabases.create({ ids: testDatabaseIds() });

/** The GitLab events modules as the backend loads them (see module.test.ts). */
function eventsModule(file: string) {
  const pkg = '@backstage/plugin-events-backend-module-gitlab';
  const dir = dirname(require.resolve(`${pkg}/package.json`));
  return require(join(dir, 'dist', 'service', file)).default;
}

const GITLAB_SECRET = 'gitlab-secret';
const ADMIN = 'user:default/admin';

function entity(kind: string, name: string, annotations = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name, namespace: 'default', annotations },
    spec: {},
  };
}

async function start(knex: Knex) {
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
    triggerTask(id: string): Promise<void>;
  };
  const backend = await startTestBackend({
    features: [
      devexPlugin,
      devexModuleDelivery,
      eventsServiceFactory,
      eventsPlugin,
      eventsModule('eventsModuleGitlabEventRouter.cjs.js'),
      eventsModule('eventsModuleGitlabWebhook.cjs.js'),
      mockServices.database.factory({ knex }),
      scheduler.factory({ skipTaskRunOnStartup: true }),
      catalogServiceMock.factory({
        entities: [
          entity('Component', 'gitlab-test', {
            'gitlab.com/project-slug': 'gitlabhq/gitlab-test',
            'gitlab.com/instance': 'gitlab.test',
          }),
          entity('User', 'root', { 'gitlab.com/user-login': 'root' }),
          entity('User', 'ada', { 'gitlab.com/user-login': 'ada' }),
          entity('User', 'admin'),
        ],
      }),
      mockServices.rootConfig.factory({
        data: {
          integrations: {
            gitlab: [
              { host: 'gitlab.test', apiBaseUrl: API, token: 'glpat-test' },
            ],
          },
          devex: { demo: { enabled: false } },
          events: {
            useEventBus: 'never',
            http: { topics: ['gitlab'] },
            modules: { gitlab: { webhookSecret: GITLAB_SECRET } },
          },
        },
      }),
    ],
  });
  return {
    server: backend.server,
    runTask: scheduler.triggerTask.bind(scheduler),
  };
}

async function facts(app: any, kind: string) {
  const res = await request(app)
    .get(`/api/devex/facts?kind=${kind}&limit=1000`)
    .set('Authorization', mockCredentials.user.header(ADMIN));
  expect(res.status).toBe(200);
  return res.body.items as any[];
}

describe.each(databases.eachSupportedId())(
  'GitLab backfill beside webhooks on %p',
  databaseId => {
    it('counts a merge request and a deployment once when the webhook came first', async () => {
      const now = new Date();
      const path = 'gitlabhq/gitlab-test';
      const gitlab = fakeGitlab();
      gitlab.projects.push(apiProject(1, path));
      gitlab.mergeRequests.set(1, [
        apiMergeRequest({
          projectId: 1,
          path,
          iid: 1,
          updatedAt: hoursAgo(2, now),
          mergedAt: hoursAgo(2, now),
          author: { id: 1, username: 'root' },
        }),
        apiMergeRequest({
          projectId: 1,
          path,
          iid: 2,
          updatedAt: hoursAgo(1, now),
          mergedAt: hoursAgo(1, now),
        }),
      ]);
      gitlab.commits.set(1, [apiCommit('a'.repeat(40), hoursAgo(30, now))]);
      gitlab.commits.set(2, [apiCommit('b'.repeat(40), hoursAgo(20, now))]);
      const sha = '279484c09fbe69ededfced8c1bb6e6d24616b468';
      gitlab.deployments.set(1, [
        apiDeployment({
          path,
          id: 15,
          status: 'success',
          environment: 'staging',
          createdAt: hoursAgo(1.5, now),
          updatedAt: hoursAgo(1, now),
          sha,
        }),
      ]);
      server.use(...gitlabHandlers(API, gitlab));
      const { server: app, runTask } = await start(
        await databases.init(databaseId),
      );
      await runTask('devex-directory');

      // The webhooks first: the merge of !1 and the deployment 15.
      const hook = gitlabMergedMergeRequest();
      hook.object_attributes.merged_at = hoursAgo(2, now);
      hook.object_attributes.updated_at = hoursAgo(2, now);
      const deployment = {
        ...gitlabDeployment('success'),
        status_changed_at: hoursAgo(1, now),
      };
      for (const [event, body] of [
        ['Merge Request Hook', hook],
        ['Deployment Hook', deployment],
      ] as const) {
        const res = await request(app)
          .post('/api/events/http/gitlab')
          .set('content-type', 'application/json')
          .set('x-gitlab-event', event)
          .set('x-gitlab-event-uuid', `uuid-${event}`)
          .set('x-gitlab-token', GITLAB_SECRET)
          .send(JSON.stringify(body));
        expect(res.status).toBe(202);
      }
      const before = await facts(app, 'delivery.change.merged');
      expect(before).toHaveLength(1);
      // The webhook's merge got its first commit from the API too.
      expect(before[0].attributes.firstCommitAt).toBe(hoursAgo(30, now));
      expect(before[0].value).toBe(28 * 3600);
      const hooked = await facts(app, 'delivery.deployment');
      expect(hooked).toHaveLength(1);
      expect(hooked[0].attributes.sha).toBe(sha); // not the short one

      await runTask('devex-delivery-gitlab-backfill');
      expect(gitlab.calls).toContain(
        `GET /projects/${encodeURIComponent(path)}`,
      );

      const changes = await facts(app, 'delivery.change.merged');
      expect(changes.map(c => [c.subject, c.actor, c.entityRef])).toEqual([
        [
          'gitlab:pr/gitlabhq/gitlab-test/1',
          'user:default/root',
          'component:default/gitlab-test',
        ],
        [
          'gitlab:pr/gitlabhq/gitlab-test/2',
          'user:default/ada',
          'component:default/gitlab-test',
        ],
      ]);
      expect(changes[1].attributes.firstCommitAt).toBe(hoursAgo(20, now));
      const deployments = await facts(app, 'delivery.deployment');
      expect(deployments.map(d => d.sourceId)).toEqual([
        'gitlab:deployment/gitlabhq/gitlab-test/15/status/success',
      ]);

      // Run again: nothing new, nothing twice.
      await runTask('devex-delivery-gitlab-backfill');
      expect(await facts(app, 'delivery.change.merged')).toHaveLength(2);
      expect(await facts(app, 'delivery.deployment')).toHaveLength(1);
    });
  },
);
