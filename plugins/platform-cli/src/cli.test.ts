import { TestDatabases } from '@backstage/backend-test-utils';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ALICE,
  startCliTestBackend,
  STATIC_TOKEN,
  TEAM_A,
} from './__testUtils__/testBackend';
import {
  BACKSTAGE_CLI,
  cliEnv,
  runCli,
  runCliOnTerminal,
  startCli,
} from './__testUtils__/spawnCli';
import { EXIT } from './exitCodes';

jest.setTimeout(180_000);

/** SQLite always; PostgreSQL when a connection string is configured. */
function databaseIds() {
  const ids = ['SQLITE_3' as const];
  return process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING
    ? [...ids, 'POSTGRES_15' as const]
    : ids;
}

const databases = TestDatabases.create({
  ids: databaseIds(),
  disableDocker: true,
});

const dir = mkdtempSync(join(tmpdir(), 'trellis-cli-files-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function request(name: string, spec: string, environment = 'dev') {
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

describe.each(databases.eachSupportedId())(
  'the trellis command on %p',
  databaseId => {
    let platform: Awaited<ReturnType<typeof startCliTestBackend>>;
    let env: Record<string, string>;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      platform = await startCliTestBackend({ knex });
      env = cliEnv({
        TRELLIS_URL: platform.url,
        TRELLIS_TOKEN: await platform.userToken(),
      });
    });

    afterAll(async () => {
      await platform?.backend.stop();
    });

    /** What the API itself says, read with Alice's token. */
    async function resourcesNamed(name: string) {
      const response = await fetch(
        `${platform.url}/api/platform/resources?text=${name}&includeDeleted=true`,
        { headers: { Authorization: `Bearer ${env.TRELLIS_TOKEN}` } },
      );
      const body = await response.json();
      return (body.items as Array<{ id: string; name: string }>).filter(
        r => r.name === name,
      );
    }

    it('applies the same file twice and gets one resource; a changed spec updates it', async () => {
      const path = file('orders.yaml', request('orders-db', '  size: small'));

      const first = await runCli(['apply', '-f', path], { env });
      expect(first.stderr).toBe('');
      expect(first.code).toBe(EXIT.ok);
      expect(first.stdout).toMatch(/memory:database\/dev\/orders-db created/);

      const second = await runCli(['apply', '-f', path], { env });
      expect(second.code).toBe(EXIT.ok);
      expect(second.stdout).toMatch(/orders-db unchanged/);

      // The same request from standard input, as `-f -` in a pipeline.
      const piped = await runCli(['apply', '-f', '-'], {
        env,
        stdin: request('orders-db', '  size: small'),
      });
      expect(piped.code).toBe(EXIT.ok);
      expect(piped.stdout).toMatch(/orders-db unchanged/);

      expect(await resourcesNamed('orders-db')).toHaveLength(1);

      // A file without the schema's defaults is still "unchanged": the backend
      // fills them in, and apply compares with what it would store.
      const changed = file(
        'orders.yaml',
        request('orders-db', '  size: large'),
      );
      const dryRun = await runCli(['apply', '-f', changed, '--dry-run'], {
        env,
      });
      expect(dryRun.stdout).toMatch(/orders-db updated \(dry run\)/);
      const update = await runCli(['apply', '-f', changed, '-o', 'json'], {
        env,
      });
      expect(update.code).toBe(EXIT.ok);
      const [result] = JSON.parse(update.stdout);
      expect(result.outcome).toBe('updated');
      expect(result.resource.spec).toEqual({ size: 'large', replicas: 1 });
      expect(result.resource.generation).toBe(2);
      expect(await resourcesNamed('orders-db')).toHaveLength(1);

      // apply changes the spec only: another owner in the file is a conflict.
      const otherOwner = await runCli(
        [
          'apply',
          '-f',
          file(
            'orders-b.yaml',
            request('orders-db', '  size: large').replace(
              TEAM_A,
              'group:default/team-b',
            ),
          ),
        ],
        { env },
      );
      expect(otherOwner.code).toBe(EXIT.conflict);
      expect(otherOwner.stderr).toMatch(
        /orders-db exists \([0-9a-f-]+\) and owner is group:default\/team-a, the file says group:default\/team-b\. apply changes only spec/,
      );
    });

    it('applies two concurrent runs of a new file as one resource', async () => {
      const path = file('race.yaml', request('race-db', '  size: medium'));
      const runs = await Promise.all([
        runCli(['apply', '-f', path], { env }),
        runCli(['apply', '-f', path], { env }),
      ]);
      expect(runs.map(r => r.code)).toEqual([EXIT.ok, EXIT.ok]);
      expect(await resourcesNamed('race-db')).toHaveLength(1);
    });

    it('lists and gets with tables, JSON and YAML', async () => {
      await runCli(
        [
          'apply',
          '-f',
          file('list.yaml', request('ledger-db', '  size: small')),
        ],
        { env },
      );

      const table = await runCli(['list', '--text', 'ledger'], { env });
      expect(table.code).toBe(EXIT.ok);
      const [heading, row] = table.stdout.trim().split('\n');
      expect(heading).toMatch(
        /^NAME\s+CAPABILITY\s+ENVIRONMENT\s+PHASE\s+GENERATION\s+OWNER\s+AGE\s+ID$/,
      );
      expect(row).toMatch(
        /^ledger-db\s+memory:database\s+dev\s+\w+\s+\d\/1\s+group:default\/team-a/,
      );

      const json = await runCli(['list', '--text', 'ledger', '-o', 'json'], {
        env,
      });
      const listed = JSON.parse(json.stdout);
      expect(listed.items.map((r: { name: string }) => r.name)).toEqual([
        'ledger-db',
      ]);
      expect(listed.totalCount).toBe(1);

      const yaml = await runCli(['get', 'ledger-db', '-o', 'yaml'], { env });
      expect(yaml.code).toBe(EXIT.ok);
      expect(yaml.stdout).toMatch(/^name: ledger-db$/m);
      expect(yaml.stdout).toMatch(/^capabilityRef: memory:database$/m);

      const detail = await runCli(['get', 'ledger-db'], { env });
      expect(detail.stdout).toMatch(/^Name:\s+ledger-db$/m);
      expect(detail.stdout).toMatch(/^Owner:\s+group:default\/team-a$/m);
      expect(detail.stdout).toMatch(/^ {2}size: "small"$/m);

      const history = await runCli(['history', 'ledger-db'], { env });
      expect(history.code).toBe(EXIT.ok);
      expect(history.stdout).toMatch(/requested/);
    });

    it('watch shows a change made elsewhere within a second, pushed, and ends when the resource is gone', async () => {
      await runCli(
        [
          'apply',
          '-f',
          file('watch.yaml', request('watched-db', '  size: small')),
        ],
        { env },
      );
      const [{ id }] = await resourcesNamed('watched-db');

      const watch = startCli(['watch', 'watched-db'], { env });
      try {
        // The first line is the resource as it is now.
        await watch.nextLine(/watched-db\s+(Pending|Provisioning)/, 30_000);
        const seen = watch.lines.length;

        // The engine reports progress: nobody asked the CLI anything.
        const changedAt = Date.now();
        platform.engine.report(id, { phase: 'Ready', observedGeneration: 1 });
        const line = await watch.nextLine(
          /watched-db\s+Ready\s+generation 1\/1/,
          1_000,
          seen,
        );
        expect(line.at - changedAt).toBeLessThan(1_000);

        // Another client changes the spec through the API.
        const patchedAt = Date.now();
        const patch = await fetch(
          `${platform.url}/api/platform/resources/${id}`,
          {
            method: 'PATCH',
            headers: {
              Authorization: `Bearer ${env.TRELLIS_TOKEN}`,
              'Content-Type': 'application/json',
            },
            body: JSON.stringify({ spec: { size: 'large' }, generation: 1 }),
          },
        );
        expect(patch.status).toBe(200);
        const updating = await watch.nextLine(
          /watched-db\s+Updating\s+generation 1\/2/,
          1_000,
          seen + 1,
        );
        expect(updating.at - patchedAt).toBeLessThan(1_000);

        // Deleted: the watch ends by itself, with exit code 0.
        await runCli(['delete', id, '--yes'], { env });
        platform.engine.finishDelete(id);
        expect(await watch.exited).toBe(EXIT.ok);
      } finally {
        watch.stop();
      }
    });

    it('watch --component streams every resource of a catalog entity, new ones included', async () => {
      const forLedger = (name: string) =>
        request(name, '  size: small').replace(
          'component:default/payroll',
          'component:default/ledger-svc',
        );
      await runCli(
        ['apply', '-f', file('ledger-a.yaml', forLedger('ledger-a'))],
        { env },
      );
      const watch = startCli(
        ['watch', '--component', 'component:default/ledger-svc'],
        { env },
      );
      try {
        await watch.nextLine(/ledger-a\s+(Pending|Provisioning)/, 30_000);
        const seen = watch.lines.length;

        // A second resource of the entity, requested from another terminal.
        await runCli(
          ['apply', '-f', file('ledger-b.yaml', forLedger('ledger-b'))],
          { env },
        );
        await watch.nextLine(/ledger-b\s+(Pending|Provisioning)/, 10_000, seen);

        const [a] = await resourcesNamed('ledger-a');
        const changedAt = Date.now();
        platform.engine.report(a.id, { phase: 'Ready', observedGeneration: 1 });
        const ready = await watch.nextLine(/ledger-a\s+Ready/, 1_000, seen);
        expect(ready.at - changedAt).toBeLessThan(1_000);
        // Only changes are printed: no resource's line repeats itself
        // (ledger-a's change did not print ledger-b again).
        for (const name of ['ledger-a', 'ledger-b']) {
          const shown = watch.lines
            .filter(l => l.text.includes(`  ${name}  `))
            .map(l => l.text.replace(/^\S+ {2}/, ''));
          shown.forEach((text, i) => expect(text).not.toBe(shown[i - 1]));
        }
      } finally {
        watch.stop();
      }

      const neither = await runCli(['watch'], { env });
      expect(neither.code).toBe(EXIT.usage);
      expect(neither.stderr).toMatch(
        /give a resource \(its id or name\) or --component/,
      );
    });

    it('wait ends 0 at Ready, 5 on timeout and 7 when the resource fails', async () => {
      await runCli(
        [
          'apply',
          '-f',
          file('wait.yaml', request('waited-db', '  size: small')),
        ],
        { env },
      );
      const [{ id }] = await resourcesNamed('waited-db');

      const timeout = await runCli(['wait', 'waited-db', '--timeout', '1s'], {
        env,
      });
      expect(timeout.code).toBe(EXIT.timeout);
      expect(timeout.stderr).toMatch(
        /Timed out after 1s: waited-db is (Pending|Provisioning), not Ready/,
      );

      const wait = startCli(['wait', 'waited-db', '--timeout', '60s'], { env });
      // Give it its subscription before the change, as a script's wait would have.
      await new Promise(resolve => setTimeout(resolve, 1_500));
      platform.engine.report(id, { phase: 'Ready', observedGeneration: 1 });
      expect(await wait.exited).toBe(EXIT.ok);
      expect(wait.lines.map(l => l.text)).toEqual(['waited-db is Ready']);

      await runCli(
        [
          'apply',
          '-f',
          file('fail.yaml', request('failing-db', '  size: small')),
        ],
        { env },
      );
      const [failing] = await resourcesNamed('failing-db');
      platform.engine.report(failing.id, {
        phase: 'Failed',
        message: 'quota exceeded',
      });
      const failed = await runCli(['wait', 'failing-db', '--timeout', '30s'], {
        env,
      });
      expect(failed.code).toBe(EXIT.failedPhase);
      expect(failed.stderr).toMatch(
        /failing-db is Failed: quota exceeded; it will not become Ready by itself/,
      );
    });

    it('deletes only with --yes when there is no terminal', async () => {
      await runCli(
        [
          'apply',
          '-f',
          file('delete.yaml', request('doomed-db', '  size: small')),
        ],
        { env },
      );

      const refused = await runCli(['delete', 'doomed-db'], { env });
      expect(refused.code).toBe(EXIT.usage);
      expect(refused.stderr).toMatch(
        /not asking without a terminal; pass --yes/,
      );
      expect((await resourcesNamed('doomed-db'))[0]).toBeDefined();

      const deleted = await runCli(['delete', 'doomed-db', '--yes'], { env });
      expect(deleted.code).toBe(EXIT.ok);
      expect(deleted.stdout).toMatch(/doomed-db delete requested/);
      const [after] = await runCli(['get', 'doomed-db', '-o', 'json'], {
        env,
      }).then(r => [JSON.parse(r.stdout)]);
      expect(after.status.phase).toBe('Deleting');
    });

    it('asks before deleting at a terminal, and deletes only on yes', async () => {
      await runCli(
        [
          'apply',
          '-f',
          file('asked.yaml', request('asked-db', '  size: small')),
        ],
        { env },
      );

      const no = await runCliOnTerminal(['delete', 'asked-db'], {
        env,
        input: 'n\r',
      });
      // A terminal merges both streams.
      expect(no.stdout).toMatch(
        /Delete asked-db \(memory:database, dev, [0-9a-f-]+\)\? \[y\/N\]/,
      );
      expect(no.stdout).toMatch(/trellis: Not deleted\./);
      expect(no.code).toBe(EXIT.error);
      const [kept] = await runCli(['get', 'asked-db', '-o', 'json'], {
        env,
      }).then(r => [JSON.parse(r.stdout)]);
      expect(kept.status.phase).not.toBe('Deleting');

      const yes = await runCliOnTerminal(['delete', 'asked-db'], {
        env,
        input: 'y\r',
      });
      expect(yes.code).toBe(EXIT.ok);
      expect(yes.stdout).toMatch(/asked-db delete requested/);
    });

    it('says clearly what is wrong with bad input, with exit code 2', async () => {
      const unknownField = await runCli(
        [
          'apply',
          '-f',
          file(
            'colour.yaml',
            `${request('bad-db', '  size: small')}colour: blue\n`,
          ),
        ],
        { env },
      );
      expect(unknownField.code).toBe(EXIT.usage);
      expect(unknownField.stderr).toMatch(
        /colour\.yaml: colour: is not a field of a request/,
      );

      const missing = await runCli(
        ['apply', '-f', file('missing.yaml', 'name: bad-db\n')],
        { env },
      );
      expect(missing.code).toBe(EXIT.usage);
      expect(missing.stderr).toMatch(/capabilityRef: is required/);
      expect(missing.stderr).toMatch(/owner: is required/);

      // The backend's schema check, with the field named.
      const badSpec = await runCli(
        ['apply', '-f', file('huge.yaml', request('bad-db', '  size: huge'))],
        { env },
      );
      expect(badSpec.code).toBe(EXIT.usage);
      expect(badSpec.stderr).toMatch(/spec\.size: must be one of/);

      const notYaml = await runCli(
        ['apply', '-f', file('broken.yaml', 'name: [unclosed\n')],
        { env },
      );
      expect(notYaml.code).toBe(EXIT.usage);
      expect(notYaml.stderr).toMatch(/broken\.yaml: is not valid YAML/);

      const noFile = await runCli(['apply', '-f', join(dir, 'nope.yaml')], {
        env,
      });
      expect(noFile.code).toBe(EXIT.usage);
      expect(noFile.stderr).toMatch(
        /nope\.yaml: cannot be read \(no such file\)/,
      );

      const badFormat = await runCli(['list', '-o', 'xml'], { env });
      expect(badFormat.code).toBe(EXIT.usage);
      expect(badFormat.stderr).toMatch(
        /-o, --output: must be one of table, json, yaml/,
      );

      const badPhase = await runCli(['wait', 'x', '--for', 'Done'], { env });
      expect(badPhase.code).toBe(EXIT.usage);
      expect(badPhase.stderr).toMatch(/--for: "Done" is not a phase/);

      const unknownCommand = await runCli(['frobnicate'], { env });
      expect(unknownCommand.code).toBe(EXIT.usage);
      expect(unknownCommand.stderr).toMatch(/unknown command 'frobnicate'/);

      expect(await resourcesNamed('bad-db')).toHaveLength(0);
    });

    it('answers 3 for what does not exist and 4 for what is not allowed', async () => {
      const notFound = await runCli(['get', 'no-such-db'], { env });
      expect(notFound.code).toBe(EXIT.notFound);
      expect(notFound.stderr).toMatch(/No resource named no-such-db/);

      const noId = await runCli(
        ['get', '00000000-0000-4000-8000-000000000000'],
        { env },
      );
      expect(noId.code).toBe(EXIT.notFound);

      // The policy lets Alice request in production, and refuses her changes
      // there (the production-change permission).
      const path = file(
        'prod.yaml',
        request('prod-db', '  size: small', 'production'),
      );
      const created = await runCli(['apply', '-f', path], { env });
      expect(created.code).toBe(EXIT.ok);
      const deleteProduction = await runCli(
        ['delete', 'prod-db', '--environment', 'production', '--yes'],
        { env },
      );
      expect(deleteProduction.code).toBe(EXIT.notAllowed);
      expect(deleteProduction.stderr).toMatch(
        /prod-db is in production: to delete it you need the platform\.resource\.production\.change permission/,
      );
      const update = await runCli(
        [
          'apply',
          '-f',
          file('prod.yaml', request('prod-db', '  size: large', 'production')),
        ],
        { env },
      );
      expect(update.code).toBe(EXIT.notAllowed);
      const [live] = await resourcesNamed('prod-db');
      expect(live).toBeDefined();
    });

    it('says clearly when there is no token, or a token the backend refuses', async () => {
      const none = await runCli(['list'], {
        env: cliEnv({ TRELLIS_URL: platform.url }),
      });
      expect(none.code).toBe(EXIT.notAllowed);
      expect(none.stderr).toMatch(/No Backstage token\. Give one of:/);
      expect(none.stderr).toMatch(/--token <token>/);
      expect(none.stderr).toMatch(/TRELLIS_TOKEN=<token>/);
      expect(none.stderr).toMatch(/backstage-cli auth login/);
      expect(none.stderr).toMatch(
        /backstage-cli auth print-token said: .*No instances found/,
      );

      const refused = await runCli(['list', '--token', 'not-a-real-token'], {
        env: cliEnv({ TRELLIS_URL: platform.url }),
      });
      expect(refused.code).toBe(EXIT.notAllowed);
      expect(refused.stderr).toMatch(/did not accept the token/);

      // A static external-access token (a service principal) reads too.
      const service = await runCli(
        ['list', '--token', STATIC_TOKEN, '-o', 'json'],
        {
          env: cliEnv({ TRELLIS_URL: platform.url }),
        },
      );
      expect(service.code).toBe(EXIT.ok);
      expect(JSON.parse(service.stdout).totalCount).toBeGreaterThan(0);
    });

    it('signs in with backstage-cli auth login; trellis and backstage-cli actions execute then act as that person', async () => {
      const home = mkdtempSync(join(tmpdir(), 'trellis-cli-oauth-'));
      const loginEnv = cliEnv({
        XDG_CONFIG_HOME: join(home, 'config'),
        XDG_DATA_HOME: join(home, 'data'),
      });
      // A client ID document on http://localhost is accepted in development
      // only, as `backstage-cli package start` runs the backend.
      const nodeEnv = process.env.NODE_ENV;
      process.env.NODE_ENV = 'development';
      const login = startCli(
        ['auth', 'login', '--backend-url', platform.url, '--no-browser'],
        { env: loginEnv, bin: BACKSTAGE_CLI },
      );
      try {
        const prompt = await login.nextLine(
          /Open this URL to continue: /,
          60_000,
        );
        const authorizeUrl = prompt.text.split(
          'Open this URL to continue: ',
        )[1];
        // The browser: the portal's consent page, approved by Alice …
        const authorize = await fetch(authorizeUrl, { redirect: 'manual' });
        expect(authorize.status).toBe(302);
        const sessionId = new URL(authorize.headers.get('location')!).pathname
          .split('/')
          .pop()!;
        const approved = await fetch(
          `${platform.url}/api/auth/v1/sessions/${sessionId}/approve`,
          {
            method: 'POST',
            headers: { Authorization: `Bearer ${await platform.userToken()}` },
          },
        );
        expect(approved.status).toBe(200);
        // … then redirected to the CLI's callback on 127.0.0.1.
        const callback = await fetch((await approved.json()).redirectUrl);
        expect(callback.status).toBe(200);
        await login.nextLine(/Login successful/, 30_000);
        expect(await login.exited).toBe(0);
      } finally {
        login.stop();
        process.env.NODE_ENV = nodeEnv;
      }

      // No --token, no TRELLIS_TOKEN: trellis asks backstage-cli.
      const applied = await runCli(
        [
          'apply',
          '-f',
          file('oauth.yaml', request('oauth-db', '  size: small')),
          '-o',
          'json',
        ],
        {
          env: { ...loginEnv, TRELLIS_URL: platform.url },
          cwd: join(__dirname, '..'),
        },
      );
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(EXIT.ok);
      const [{ resource }] = JSON.parse(applied.stdout);
      expect(resource.requestedBy).toBe(ALICE);

      // Backstage's generic command, on the platform's action, same token.
      const executed = await runCli(
        ['actions', 'execute', 'platform:get-resource', '--id', resource.id],
        { env: loginEnv, bin: BACKSTAGE_CLI },
      );
      expect(executed.stderr).toBe('');
      expect(executed.code).toBe(0);
      expect(executed.stdout).toContain('oauth-db');
    });

    it('runs rollouts: start, list, get, pause, resume', async () => {
      await runCli(
        [
          'apply',
          '-f',
          file('roll.yaml', request('rolled-db', '  size: small')),
        ],
        { env },
      );
      const started = await runCli(
        [
          'rollout',
          'start',
          '--capability',
          'memory:database',
          '--to',
          '2.0.0',
          '--wave-size',
          '1',
          '--pause-seconds',
          '600',
          '-o',
          'json',
        ],
        { env },
      );
      expect(started.stderr).toBe('');
      expect(started.code).toBe(EXIT.ok);
      const rollout = JSON.parse(started.stdout);
      expect(rollout.targetVersion).toBe('2.0.0');

      const list = await runCli(['rollout', 'list'], { env });
      expect(list.stdout).toMatch(
        new RegExp(`${rollout.id}\\s+memory:database\\s+2\\.0\\.0`),
      );

      const paused = await runCli(['rollout', 'pause', rollout.id], { env });
      expect(paused.code).toBe(EXIT.ok);
      expect(paused.stdout).toMatch(/paused \(status Paused\)/);

      const resumed = await runCli(
        ['rollout', 'resume', rollout.id, '-o', 'json'],
        { env },
      );
      expect(JSON.parse(resumed.stdout).status).not.toBe('Paused');

      const get = await runCli(['rollout', 'get', rollout.id], { env });
      expect(get.stdout).toMatch(/^Target:\s+2\.0\.0$/m);
      expect(get.stdout).toMatch(/rolled-db/);

      const badWave = await runCli(
        [
          'rollout',
          'start',
          '--capability',
          'memory:database',
          '--to',
          '2.0.0',
          '--wave-size',
          '0',
        ],
        { env },
      );
      expect(badWave.code).toBe(EXIT.usage);
      expect(badWave.stderr).toMatch(
        /--wave-size: must be a whole number of at least 1/,
      );
    });
  },
);
