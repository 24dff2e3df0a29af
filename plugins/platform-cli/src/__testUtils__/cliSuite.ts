/*
 * The preamble of the spawned-process tests (cli.*.test.ts): one started
 * backend per test database (SQLite always, PostgreSQL when configured),
 * Alice's environment for `trellis`, request files in a folder of their own.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv } from './spawnCli';
import { startCliTestBackend, TEAM_A } from './testBackend';

/** SQLite always; PostgreSQL when a connection string is configured. */
function databaseIds() {
  const ids = ['SQLITE_3' as const];
  return process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING
    ? [...ids, 'POSTGRES_15' as const]
    : ids;
}

/** A folder for the request files the tests write. */
export const filesDir = mkdtempSync(join(tmpdir(), 'trellis-cli-files-'));

/** Writes a file the command reads, and answers its path. */
export function file(name: string, text: string): string {
  const path = join(filesDir, name);
  writeFileSync(path, text);
  return path;
}

/** A request file as a team keeps it in git. */
export function request(name: string, spec: string, environment = 'dev') {
  return [
    '# a request kept in git',
    'capabilityRef: memory:database',
    `name: ${name}`,
    `environment: ${environment}`,
    `owner: ${TEAM_A}`,
    'component: component:default/payroll',
    'spec:',
    spec,
    '',
  ].join('\n');
}

/** What a test of the command gets once its backend runs. */
export interface CliSuite {
  platform: Awaited<ReturnType<typeof startCliTestBackend>>;
  /** Alice's shell: TRELLIS_URL and her user token in TRELLIS_TOKEN. */
  env: Record<string, string>;
  /** What the API itself says, read with Alice's token (deleted ones too). */
  resourcesNamed(name: string): Promise<Array<{ id: string; name: string }>>;
}

/**
 * `describe`s the tests once per test database, against a backend started
 * for them (options as {@link startCliTestBackend} takes them).
 */
export function describeCli(
  title: string,
  body: (suite: CliSuite) => void,
  options: Omit<Parameters<typeof startCliTestBackend>[0], 'knex'> = {},
) {
  const databases = TestDatabases.create({
    ids: databaseIds(),
    disableDocker: true,
  });
  describe.each(databases.eachSupportedId())(`${title} on %p`, databaseId => {
    const suite = {
      async resourcesNamed(name: string) {
        const response = await fetch(
          `${suite.platform.url}/api/platform/resources?text=${name}&includeDeleted=true`,
          { headers: { Authorization: `Bearer ${suite.env.TRELLIS_TOKEN}` } },
        );
        const answer = await response.json();
        return (answer.items as Array<{ id: string; name: string }>).filter(
          r => r.name === name,
        );
      },
    } as CliSuite;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      suite.platform = await startCliTestBackend({ ...options, knex });
      suite.env = cliEnv({
        TRELLIS_URL: suite.platform.url,
        TRELLIS_TOKEN: await suite.platform.userToken(),
      });
    });

    afterAll(async () => {
      await suite.platform?.backend.stop();
    });

    body(suite);
  });
}
