import {
  coreServices,
  createServiceFactory,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
// The whole path a first start takes: the platform plugin and this engine.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import platformPlugin from '@trellis/backstage-plugin-platform-backend';
import type {
  FleetCount,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { parse, parseAllDocuments } from 'yaml';
import { findWorkspaceRoot } from './config';
import { makeTempDir, removeDir } from './__testUtils__/harness';
import { platformModuleLocal } from './module';

const root = findWorkspaceRoot(__dirname);
const estateFile = join(root, 'examples', 'demo-estate.yaml');

// 31 real pipelines (Git repositories, SQLite databases, bucket folders) on
// a machine that may be busy with other work.
jest.setTimeout(240_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

function capturingLogger(lines: string[]): LoggerService {
  const logger: LoggerService = {
    error: message => void lines.push(message),
    warn: message => void lines.push(message),
    info: message => void lines.push(message),
    debug: () => {},
    child: () => logger,
  };
  return logger;
}

const reader = { Authorization: mockCredentials.user.header() };

/**
 * The demo estate of app-config.yaml, requested by the platform plugin on
 * startup from examples/demo-estate.yaml and run by the real local engine on
 * the example capabilities: what a new user sees on first start.
 */
describe('the demo estate', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await makeTempDir('demo-estate-');
  });
  afterEach(async () => {
    await removeDir(stateDir);
  });

  async function start(knex: Awaited<ReturnType<typeof databases.init>>) {
    const lines: string[] = [];
    const backend = await startTestBackend({
      features: [
        platformPlugin,
        platformModuleLocal,
        mockServices.database.factory({ knex }),
        createServiceFactory({
          service: coreServices.logger,
          deps: {},
          factory: () => capturingLogger(lines),
        }),
        mockServices.rootConfig.factory({
          data: {
            platform: {
              demo: { enabled: true, estate: estateFile },
              dispatch: { retryBaseSeconds: 0.2, retryMaxSeconds: 1 },
              engines: {
                local: {
                  capabilitiesDir: join(root, 'examples', 'capabilities'),
                  stateDir,
                },
              },
            },
          },
        }),
      ],
    });
    const outcome = async () => {
      for (let i = 0; i < 600; i++) {
        const line = lines.find(l => l.startsWith('Demo estate from'));
        if (line) return line;
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      throw new Error(`The demo estate never finished: ${lines.join('\n')}`);
    };
    return { backend, server: backend.server, outcome };
  }

  async function allResources(server: unknown): Promise<PlatformResource[]> {
    const res = await request(server as any)
      .get('/api/platform/resources?limit=500&orderBy=name')
      .set(reader);
    expect(res.status).toBe(200);
    return res.body.items;
  }

  async function settled(server: unknown): Promise<PlatformResource[]> {
    for (;;) {
      const items = await allResources(server);
      if (
        items.every(
          r => r.status.phase === 'Ready' || r.status.phase === 'Failed',
        )
      ) {
        return items;
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }

  it('shows version skew, a failed request with its message and the example components, and is created once', async () => {
    const knex = await databases.init('SQLITE_3');
    const estate = parse(await readFile(estateFile, 'utf8')).resources;

    const first = await start(knex);
    expect(await first.outcome()).toMatch(
      new RegExp(`: ${estate.length} requested, 0 already there, 0 refused,`),
    );
    const resources = await settled(first.server);
    expect(resources).toHaveLength(estate.length);
    // Requested by the plugin itself, through its API.
    expect(new Set(resources.map(r => r.requestedBy))).toEqual(
      new Set(['plugin:platform']),
    );

    // One request failed, with the engine's own words.
    const failed = resources.filter(r => r.status.phase === 'Failed');
    expect(failed.map(r => `${r.environment}/${r.name}`)).toEqual([
      'production/warehouse-archive',
    ]);
    expect(failed[0].status.message).toMatch(
      /^Quota exceeded: 50 GiB of storage requested, the quota is 20 GiB/,
    );

    // The fleet: two versions of git-repository, so a rollout has work.
    const fleet = await request(first.server)
      .get('/api/platform/fleet')
      .set(reader);
    const repositories = (fleet.body.items as FleetCount[]).filter(
      c => c.capabilityRef === 'local:git-repository',
    );
    expect(
      Object.fromEntries(
        repositories.map(c => [`${c.version} ${c.phase}`, c.count]),
      ),
    ).toEqual({ 'v1.0.0 Ready': 6, 'v1.1.0 Ready': 3 });

    // Every example component has resources, and so does every team.
    const entities = parseAllDocuments(
      await readFile(join(root, 'examples', 'entities.yaml'), 'utf8'),
    ).map(d => d.toJSON());
    const components = entities
      .filter(e => e.kind === 'Component')
      .map(e => `component:default/${e.metadata.name}`);
    expect(components.length).toBeGreaterThan(0);
    for (const component of components) {
      expect(resources.some(r => r.component === component)).toBe(true);
    }
    const org = parseAllDocuments(
      await readFile(join(root, 'examples', 'org.yaml'), 'utf8'),
    ).map(d => d.toJSON());
    for (const team of org.filter(
      e => e.kind === 'Group' && e.spec.type === 'team',
    )) {
      expect(
        resources.some(r => r.owner === `group:default/${team.metadata.name}`),
      ).toBe(true);
    }
    await first.backend.stop();

    // A restart on the same database and engine state creates nothing new.
    const second = await start(knex);
    expect(await second.outcome()).toMatch(
      new RegExp(`: 0 requested, ${estate.length} already there, 0 refused,`),
    );
    const again = await allResources(second.server);
    expect(again.map(r => [r.id, r.createdAt])).toEqual(
      resources.map(r => [r.id, r.createdAt]),
    );

    // The platform team can start the rollout the fleet invites.
    const rollout = await request(second.server)
      .post('/api/platform/rollouts')
      .set(reader)
      .send({ capabilityRef: 'local:git-repository', targetVersion: 'v1.1.0' });
    expect(rollout.status).toBe(201);
    expect(rollout.body.items).toHaveLength(6);
    await second.backend.stop();
  });
});
