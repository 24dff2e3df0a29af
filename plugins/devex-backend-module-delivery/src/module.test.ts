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
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { devexAdminPermission } from '@trellis/backstage-plugin-devex-common';
// The real devex plugin: its fact store and facts export are what the test reads.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import { devexPlugin } from '@trellis/backstage-plugin-devex-backend';
import { createHmac } from 'crypto';
import { Knex } from 'knex';
import { dirname, join } from 'path';
import request from 'supertest';
import eventsPlugin from '@backstage/plugin-events-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import { devexModuleDelivery, eventsModulePagerdutyWebhook } from './index';
import {
  githubClosedPullRequest,
  githubDeploymentStatus,
  githubLabeledIssue,
  githubMergedPullRequest,
  gitlabDeployment,
  gitlabMergedMergeRequest,
  pagerdutyIncident,
} from './__testUtils__/payloads';

jest.setTimeout(120_000);

/**
 * The GitHub and GitLab events modules as the backend loads them: their
 * default exports are feature loaders that import() these files, which jest
 * cannot run without --experimental-vm-modules, so the test loads the same
 * files itself.
 */
function eventsModule(pkg: string, file: string) {
  const dir = dirname(require.resolve(`${pkg}/package.json`));
  return require(join(dir, 'dist', 'service', file)).default;
}

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

const GITHUB_SECRET = 'github-secret';
const GITLAB_SECRET = 'gitlab-secret';
const PAGERDUTY_SECRET = 'pagerduty-secret';
const ADMIN = 'user:default/admin';
const ADA = 'user:default/ada';

function entity(
  kind: string,
  name: string,
  annotations = {},
  extra = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name, namespace: 'default', annotations },
    spec: {},
    ...extra,
  };
}

const ENTITIES: Entity[] = [
  entity('Component', 'hello-world', {
    'github.com/project-slug': 'codertocat/hello-world',
  }),
  entity('Component', 'gitlab-test', {
    'gitlab.com/project-slug': 'gitlabhq/gitlab-test',
    'pagerduty.com/service-id': 'PF9KMXH',
  }),
  entity(
    'User',
    'coder',
    { 'github.com/user-login': 'Codertocat' },
    { relations: [{ type: 'memberOf', targetRef: 'group:default/payments' }] },
  ),
  entity('User', 'root', { 'gitlab.com/user-login': 'root' }),
  entity('User', 'admin'),
  entity('User', 'ada'),
  entity('Group', 'payments'),
];

const permissions = mockServices.permissions.mock({
  authorize: async (requests, { credentials }) =>
    requests.map(r => {
      const principal = credentials.principal as { userEntityRef?: string };
      if (r.permission.name === devexAdminPermission.name) {
        return {
          result:
            principal.userEntityRef === ADMIN
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
        };
      }
      return { result: AuthorizeResult.ALLOW };
    }),
});

async function start(knex: Knex) {
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
  };
  const backend = await startTestBackend({
    features: [
      devexPlugin,
      devexModuleDelivery,
      eventsModulePagerdutyWebhook,
      // The real events service (the test backend's default is a mock).
      eventsServiceFactory,
      eventsPlugin,
      ...[
        'eventsModuleGithubEventRouter.cjs.js',
        'eventsModuleGithubWebhook.cjs.js',
      ].map(f =>
        eventsModule('@backstage/plugin-events-backend-module-github', f),
      ),
      ...[
        'eventsModuleGitlabEventRouter.cjs.js',
        'eventsModuleGitlabWebhook.cjs.js',
      ].map(f =>
        eventsModule('@backstage/plugin-events-backend-module-gitlab', f),
      ),
      mockServices.database.factory({ knex }),
      permissions.factory,
      scheduler.factory({ skipTaskRunOnStartup: true }),
      catalogServiceMock.factory({ entities: ENTITIES }),
      mockServices.rootConfig.factory({
        data: {
          devex: {
            demo: { enabled: false },
            // GitHub's examples label their issue `bug`.
            delivery: { incidentLabel: 'bug' },
          },
          events: {
            useEventBus: 'never',
            http: { topics: ['github', 'gitlab'] },
            modules: {
              github: { webhookSecret: GITHUB_SECRET },
              gitlab: { webhookSecret: GITLAB_SECRET },
              pagerduty: { webhookSecret: PAGERDUTY_SECRET },
            },
          },
        },
      }),
    ],
  });
  return {
    server: backend.server,
    backend,
    runTask: (id: string) => scheduler.triggerTask(id),
  };
}

let deliveryCounter = 0;
const newDeliveryId = () => `d-${Date.now()}-${++deliveryCounter}`;

function postGithub(
  server: any,
  event: string,
  payload: unknown,
  options: { deliveryId?: string; secret?: string; rawBody?: string } = {},
) {
  const body = options.rawBody ?? JSON.stringify(payload);
  const signature = createHmac('sha256', options.secret ?? GITHUB_SECRET)
    .update(body)
    .digest('hex');
  return request(server)
    .post('/api/events/http/github')
    .set('content-type', 'application/json')
    .set('x-github-event', event)
    .set('x-github-delivery', options.deliveryId ?? newDeliveryId())
    .set('x-hub-signature-256', `sha256=${signature}`)
    .send(body);
}

function postGitlab(
  server: any,
  payload: unknown,
  options: { uuid?: string; token?: string } = {},
) {
  return request(server)
    .post('/api/events/http/gitlab')
    .set('content-type', 'application/json')
    .set('x-gitlab-event', 'Merge Request Hook')
    .set('x-gitlab-event-uuid', options.uuid ?? newDeliveryId())
    .set('x-gitlab-token', options.token ?? GITLAB_SECRET)
    .send(JSON.stringify(payload));
}

function postPagerduty(
  server: any,
  payload: unknown,
  options: { secret?: string } = {},
) {
  const body = JSON.stringify(payload);
  const signature = createHmac('sha256', options.secret ?? PAGERDUTY_SECRET)
    .update(body)
    .digest('hex');
  return (
    request(server)
      .post('/api/events/http/pagerduty')
      .set('content-type', 'application/json')
      // PagerDuty sends one v1 signature per active secret.
      .set('x-pagerduty-signature', `v1=${'0'.repeat(64)},v1=${signature}`)
      .send(body)
  );
}

async function facts(server: any, kind: string) {
  const res = await request(server)
    .get(`/api/devex/facts?kind=${kind}&limit=1000`)
    .set('Authorization', mockCredentials.user.header(ADMIN));
  expect(res.status).toBe(200);
  return res.body.items as any[];
}

async function connect(server: any) {
  const res = await request(server)
    .get('/api/devex/delivery/connect')
    .set('Authorization', mockCredentials.user.header(ADMIN));
  expect(res.status).toBe(200);
  return res.body;
}

describe.each(databases.eachSupportedId())(
  'delivery ingestion on %p',
  databaseId => {
    it('turns GitHub deliveries into facts through the events HTTP ingress, once per delivery id', async () => {
      const { server, runTask } = await start(await databases.init(databaseId));
      await runTask('devex-directory');

      const merged = githubMergedPullRequest();
      const first = await postGithub(server, 'pull_request', merged, {
        deliveryId: 'gh-1',
      });
      expect(first.status).toBe(202);
      // GitHub retries the same delivery: stored and counted once.
      const retry = await postGithub(server, 'pull_request', merged, {
        deliveryId: 'gh-1',
      });
      expect(retry.status).toBe(202);
      // The same merge in another delivery id (redelivered by hand): one fact.
      await postGithub(server, 'pull_request', merged, { deliveryId: 'gh-2' });
      // A merge by someone with no catalog user.
      await postGithub(
        server,
        'pull_request',
        githubMergedPullRequest({ number: 3, login: 'stranger' }),
      );
      // A closed, unmerged pull request is not a change.
      await postGithub(server, 'pull_request', githubClosedPullRequest());
      await postGithub(server, 'deployment_status', githubDeploymentStatus());
      await postGithub(server, 'issues', githubLabeledIssue());

      const changes = await facts(server, 'delivery.change.merged');
      expect(changes).toHaveLength(2);
      expect(changes[0]).toMatchObject({
        sourceId: 'github:pr/Codertocat/Hello-World/2/merged',
        subject: 'github:pr/Codertocat/Hello-World/2',
        time: '2019-05-15T15:21:18.000Z',
        actor: 'user:default/coder',
        teams: ['group:default/payments'],
        entityRef: 'component:default/hello-world',
        attributes: {
          provider: 'github',
          repo: 'Codertocat/Hello-World',
          number: 2,
          url: 'https://github.com/Codertocat/Hello-World/pull/2',
          mergeSha: 'c4295bd74fb0f4fda03689c3df3f2803b658fd85',
          baseBranch: 'master',
          firstCommitAt: null,
        },
      });
      expect(changes[1].actor).toBeUndefined();
      expect(changes[1].entityRef).toBe('component:default/hello-world');

      const deployments = await facts(server, 'delivery.deployment');
      expect(deployments).toHaveLength(1);
      expect(deployments[0]).toMatchObject({
        subject: 'github:deployment/Codertocat/Hello-World/145988746',
        time: '2019-05-15T15:20:55.000Z',
        entityRef: 'component:default/hello-world',
        attributes: {
          provider: 'github',
          id: '145988746',
          environment: 'production',
          production: true,
          status: 'success',
          sha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
          createdAt: '2019-05-15T15:20:53.000Z',
        },
      });
      const incidents = await facts(server, 'delivery.incident.opened');
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({
        subject: 'github:incident/Codertocat/Hello-World#1',
        entityRef: 'component:default/hello-world',
        attributes: {
          provider: 'github',
          openedAt: '2019-05-15T15:20:18.000Z',
        },
      });

      expect(await connect(server)).toMatchObject({
        deliveries: { good: 5, ignored: 1, bad: 0, pending: 0 },
        unmappedRepos: [],
        unmappedUsers: [{ login: 'github:stranger', deliveries: 1 }],
      });
    });

    it('refuses a wrong signature and stores nothing', async () => {
      const { server } = await start(await databases.init(databaseId));
      const wrong = await postGithub(
        server,
        'pull_request',
        githubMergedPullRequest(),
        { secret: 'not-the-secret' },
      );
      expect(wrong.status).toBe(403);
      const gitlab = await postGitlab(server, gitlabMergedMergeRequest(), {
        token: 'nope',
      });
      expect(gitlab.status).toBe(403);
      const pagerduty = await postPagerduty(
        server,
        pagerdutyIncident('incident.triggered', 'pd-1', '2020-04-09T15:16:27Z'),
        { secret: 'nope' },
      );
      expect(pagerduty.status).toBe(401);
      const unsigned = await request(server)
        .post('/api/events/http/pagerduty')
        .set('content-type', 'application/json')
        .send('{}');
      expect(unsigned.status).toBe(401);
      expect(unsigned.body.message).toContain('X-PagerDuty-Signature');
      expect((await connect(server)).deliveries).toEqual({
        good: 0,
        bad: 0,
        ignored: 0,
        pending: 0,
      });
      expect(await facts(server, 'delivery.change.merged')).toEqual([]);
    });

    it('counts deliveries arriving together (written as one batch) one by one: good, bad, ignored and re-delivered', async () => {
      const { server } = await start(await databases.init(databaseId));
      const broken = githubMergedPullRequest({ number: 999 });
      broken.pull_request.merged_at = 'yesterday';
      const answers = await Promise.all([
        ...Array.from({ length: 20 }, (_, i) =>
          postGithub(
            server,
            'pull_request',
            githubMergedPullRequest({ number: 100 + i }),
            { deliveryId: `together-${i}` },
          ),
        ),
        // The same delivery twice, at the same time: one.
        postGithub(
          server,
          'pull_request',
          githubMergedPullRequest({ number: 50 }),
          { deliveryId: 'twice' },
        ),
        postGithub(
          server,
          'pull_request',
          githubMergedPullRequest({ number: 50 }),
          { deliveryId: 'twice' },
        ),
        postGithub(server, 'pull_request', broken, { deliveryId: 'broken' }),
        postGithub(server, 'pull_request', githubClosedPullRequest(), {
          deliveryId: 'unmerged',
        }),
      ]);
      expect(answers.map(a => a.status)).toEqual(answers.map(() => 202));

      const numbers = (await facts(server, 'delivery.change.merged'))
        .map(f => f.attributes.number)
        .sort((a: number, b: number) => a - b);
      expect(numbers).toEqual([
        50,
        ...Array.from({ length: 20 }, (_, i) => 100 + i),
      ]);
      const view = await connect(server);
      expect(view.deliveries).toEqual({
        good: 21,
        bad: 1,
        ignored: 1,
        pending: 0,
      });
      expect(view.recentErrors).toEqual([
        expect.objectContaining({
          id: 'github:broken',
          error: 'pull_request.merged_at: is not a date: yesterday',
        }),
      ]);
    });

    it('keeps a malformed delivery as bad with its error, and the good ones of the same run count', async () => {
      const { server } = await start(await databases.init(databaseId));
      const broken = githubMergedPullRequest({ number: 7 });
      delete broken.pull_request.merged_at;
      broken.pull_request.merged_at = 'yesterday';
      expect(
        (
          await postGithub(server, 'pull_request', broken, {
            deliveryId: 'bad-1',
          })
        ).status,
      ).toBe(202);
      await postGithub(server, 'deployment_status', { repository: {} });
      await postGithub(server, 'pull_request', githubMergedPullRequest());
      await postGitlab(server, { object_kind: 'merge_request' });
      await postGitlab(server, gitlabMergedMergeRequest());

      expect(await facts(server, 'delivery.change.merged')).toHaveLength(2);
      const view = await connect(server);
      expect(view.deliveries).toEqual({
        good: 2,
        bad: 3,
        ignored: 0,
        pending: 0,
      });
      expect(view.recentErrors.map((e: any) => e.error).sort()).toEqual([
        'project: must be an object',
        'pull_request.merged_at: is not a date: yesterday',
        'repository.full_name: must be a non-empty string',
      ]);
      expect(view.recentErrors).toContainEqual(
        expect.objectContaining({ id: 'github:bad-1', event: 'pull_request' }),
      );
    });

    it('maps GitLab merge requests and deployments, and PagerDuty incidents', async () => {
      const { server, runTask } = await start(await databases.init(databaseId));
      await runTask('devex-directory');
      expect(
        (await postGitlab(server, gitlabMergedMergeRequest())).status,
      ).toBe(202);
      await postGitlab(server, gitlabDeployment('success'), { uuid: 'gl-d1' });
      await postGitlab(server, gitlabDeployment('running'));
      // A merge request merged by someone other than its author: the author
      // is only an id in GitLab's payload, so it is counted as unmapped.
      const byOther = gitlabMergedMergeRequest();
      byOther.object_attributes.iid = 2;
      byOther.object_attributes.author_id = 42;
      await postGitlab(server, byOther);
      // A repository no component claims.
      const elsewhere = gitlabMergedMergeRequest();
      elsewhere.project.path_with_namespace = 'other/repo';
      await postGitlab(server, elsewhere);

      expect(
        (
          await postPagerduty(
            server,
            pagerdutyIncident(
              'incident.triggered',
              'pd-1',
              '2020-04-09T15:16:27Z',
            ),
          )
        ).status,
      ).toBe(202);
      const resolved = pagerdutyIncident(
        'incident.resolved',
        'pd-2',
        '2020-04-09T16:16:27Z',
      );
      await postPagerduty(server, resolved);
      await postPagerduty(server, resolved); // re-delivery

      const changes = await facts(server, 'delivery.change.merged');
      expect(changes.map(c => [c.subject, c.actor, c.entityRef])).toEqual([
        [
          'gitlab:pr/gitlabhq/gitlab-test/1',
          'user:default/root',
          'component:default/gitlab-test',
        ],
        [
          'gitlab:pr/gitlabhq/gitlab-test/2',
          undefined,
          'component:default/gitlab-test',
        ],
        ['gitlab:pr/other/repo/1', 'user:default/root', undefined],
      ]);
      expect(changes[0].attributes).toMatchObject({
        provider: 'gitlab',
        number: 1,
        baseBranch: 'master',
        labels: ['API'],
        mergeSha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      });
      const deployments = await facts(server, 'delivery.deployment');
      expect(deployments).toHaveLength(1);
      expect(deployments[0]).toMatchObject({
        subject: 'gitlab:deployment/gitlabhq/gitlab-test/15',
        time: '2021-04-28T19:50:00.000Z',
        entityRef: 'component:default/gitlab-test',
        attributes: {
          environment: 'staging',
          production: false,
          status: 'success',
          sha: '279484c09fbe69ededfced8c1bb6e6d24616b468',
        },
      });
      const opened = await facts(server, 'delivery.incident.opened');
      const closed = await facts(server, 'delivery.incident.resolved');
      expect(opened).toHaveLength(1);
      expect(closed).toHaveLength(1);
      expect(closed[0]).toMatchObject({
        subject: 'pagerduty:incident/PGR0VU2',
        entityRef: 'component:default/gitlab-test',
        time: '2020-04-09T16:16:27.000Z',
        value: 3600,
        attributes: { severity: 'high', openedAt: '2020-04-09T15:16:27.000Z' },
      });
      const view = await connect(server);
      expect(view.deliveries).toEqual({
        good: 6,
        bad: 0,
        ignored: 1,
        pending: 0,
      });
      expect(view.unmappedRepos).toEqual([
        { repo: 'gitlab:other/repo', deliveries: 1 },
      ]);
      expect(view.unmappedUsers).toEqual([
        { login: 'gitlab:author-id/42', deliveries: 1 },
      ]);
    });

    it('shows the Connect view to devex admins only', async () => {
      const { server } = await start(await databases.init(databaseId));
      const res = await request(server)
        .get('/api/devex/delivery/connect')
        .set('Authorization', mockCredentials.user.header(ADA));
      expect(res.status).toBe(403);
    });
  },
);
