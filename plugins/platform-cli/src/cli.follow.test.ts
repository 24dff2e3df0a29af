import { describeCli, file, request } from './__testUtils__/cliSuite';
import { runCli, startCli } from './__testUtils__/spawnCli';
import { EXIT } from './exitCodes';

/*
 * Following resources live: watch streams pushed changes, wait ends with
 * an exit code a script can branch on.
 * Spawned processes against a started backend, as a user runs them.
 */

jest.setTimeout(180_000);

describeCli('trellis watch and wait', suite => {
  it('watch shows a change made elsewhere within a second, pushed, and ends when the resource is gone', async () => {
    const { platform, env, resourcesNamed } = suite;
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
    const { platform, env, resourcesNamed } = suite;
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
    const { platform, env, resourcesNamed } = suite;
    await runCli(
      ['apply', '-f', file('wait.yaml', request('waited-db', '  size: small'))],
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
});
