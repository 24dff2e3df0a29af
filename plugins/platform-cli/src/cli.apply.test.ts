import { describeCli, file, request } from './__testUtils__/cliSuite';
import { runCli } from './__testUtils__/spawnCli';
import { TEAM_A } from './__testUtils__/testBackend';
import { EXIT } from './exitCodes';

/*
 * Applying request files kept in git (idempotent, spec-only), and reading
 * resources back as tables, JSON and YAML.
 * Spawned processes against a started backend, as a user runs them.
 */

jest.setTimeout(180_000);

describeCli('trellis apply, list, get and history', suite => {
  it('applies the same file twice and gets one resource; a changed spec updates it', async () => {
    const { env, resourcesNamed } = suite;
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
    const changed = file('orders.yaml', request('orders-db', '  size: large'));
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
    const { env, resourcesNamed } = suite;
    const path = file('race.yaml', request('race-db', '  size: medium'));
    const runs = await Promise.all([
      runCli(['apply', '-f', path], { env }),
      runCli(['apply', '-f', path], { env }),
    ]);
    expect(runs.map(r => r.code)).toEqual([EXIT.ok, EXIT.ok]);
    expect(await resourcesNamed('race-db')).toHaveLength(1);
  });

  it('lists and gets with tables, JSON and YAML', async () => {
    const { env } = suite;
    await runCli(
      ['apply', '-f', file('list.yaml', request('ledger-db', '  size: small'))],
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
});
