import { join } from 'node:path';
import { describeCli, file, filesDir, request } from './__testUtils__/cliSuite';
import { cliEnv, runCli } from './__testUtils__/spawnCli';
import { STATIC_TOKEN } from './__testUtils__/testBackend';
import { EXIT } from './exitCodes';

/*
 * What goes wrong, said clearly, with the documented exit codes.
 * Spawned processes against a started backend, as a user runs them.
 */

jest.setTimeout(180_000);

describeCli('trellis errors and exit codes', suite => {
  it('says clearly what is wrong with bad input, with exit code 2', async () => {
    const { env, resourcesNamed } = suite;
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

    const noFile = await runCli(['apply', '-f', join(filesDir, 'nope.yaml')], {
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
    const { env, resourcesNamed } = suite;
    const notFound = await runCli(['get', 'no-such-db'], { env });
    expect(notFound.code).toBe(EXIT.notFound);
    expect(notFound.stderr).toMatch(/No resource named no-such-db/);

    const noId = await runCli(['get', '00000000-0000-4000-8000-000000000000'], {
      env,
    });
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
    const { platform } = suite;
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
});
