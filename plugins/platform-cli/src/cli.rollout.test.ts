import { describeCli, file, request } from './__testUtils__/cliSuite';
import { runCli } from './__testUtils__/spawnCli';
import { EXIT } from './exitCodes';

/*
 * Day-2 rollouts from a terminal: start, list, get, pause, resume.
 * Spawned processes against a started backend, as a user runs them.
 */

jest.setTimeout(180_000);

describeCli('trellis rollout', suite => {
  it('runs rollouts: start, list, get, pause, resume', async () => {
    const { env } = suite;
    await runCli(
      ['apply', '-f', file('roll.yaml', request('rolled-db', '  size: small'))],
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
});
