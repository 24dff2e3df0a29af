import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCli, file, request } from './__testUtils__/cliSuite';
import {
  BACKSTAGE_CLI,
  cliEnv,
  runCli,
  startCli,
} from './__testUtils__/spawnCli';
import { ALICE } from './__testUtils__/testBackend';
import { EXIT } from './exitCodes';

/*
 * Signing in with Backstage's own CLI, then trellis and
 * `backstage-cli actions execute` acting as that person.
 * Spawned processes against a started backend, as a user runs them.
 */

jest.setTimeout(180_000);

describeCli('trellis with backstage-cli auth login', suite => {
  it('signs in with backstage-cli auth login; trellis and backstage-cli actions execute then act as that person', async () => {
    const { platform } = suite;
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
      const authorizeUrl = prompt.text.split('Open this URL to continue: ')[1];
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
});
