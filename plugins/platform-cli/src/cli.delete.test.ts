import { describeCli, file, request } from './__testUtils__/cliSuite';
import { runCli, runCliOnTerminal } from './__testUtils__/spawnCli';
import { EXIT } from './exitCodes';

/*
 * Deleting asks first at a terminal, and needs --yes without one.
 * Spawned processes against a started backend, as a user runs them.
 */

jest.setTimeout(180_000);

describeCli('trellis delete', suite => {
  it('deletes only with --yes when there is no terminal', async () => {
    const { env, resourcesNamed } = suite;
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
    expect(refused.stderr).toMatch(/not asking without a terminal; pass --yes/);
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
    const { env } = suite;
    await runCli(
      ['apply', '-f', file('asked.yaml', request('asked-db', '  size: small'))],
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
});
