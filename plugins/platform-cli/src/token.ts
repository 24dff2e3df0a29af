import { spawn } from 'node:child_process';
import { CliError, EXIT } from './exitCodes';

/** Where the token came from, for messages. */
export type TokenSource = '--token' | 'TRELLIS_TOKEN' | 'backstage-cli';

/**
 * Finds Backstage's own CLI: the one installed next to the current directory
 * (a Backstage repository has it), else the one next to this package, else
 * `backstage-cli` on the PATH.
 */
function backstageCliCommand(): { command: string; args: string[] } {
  const resolvers = [
    () =>
      require.resolve('@backstage/cli/package.json', {
        paths: [process.cwd()],
      }),
    () => require.resolve('@backstage/cli/package.json'),
  ];
  for (const resolve of resolvers) {
    try {
      return {
        command: process.execPath,
        args: [resolve().replace(/package\.json$/, 'bin/backstage-cli')],
      };
    } catch {
      // not installed there
    }
  }
  return { command: 'backstage-cli', args: [] };
}

/** Runs `backstage-cli auth print-token`; undefined with the reason when it has none. */
async function printToken(
  instance: string | undefined,
): Promise<{ token?: string; reason: string }> {
  const { command, args } = backstageCliCommand();
  const fullArgs = [
    ...args,
    'auth',
    'print-token',
    ...(instance ? ['--instance', instance] : []),
  ];
  return new Promise(resolve => {
    let stdout = '';
    let stderr = '';
    let child;
    try {
      child = spawn(command, fullArgs, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: process.env,
      });
    } catch (error) {
      resolve({ reason: String(error) });
      return;
    }
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', error =>
      resolve({
        reason:
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'backstage-cli is not installed'
            : error.message,
      }),
    );
    child.on('close', code => {
      const token = stdout.trim();
      if (code === 0 && token) {
        resolve({ token, reason: '' });
      } else {
        const lastLine = stderr.trim().split('\n').pop() ?? '';
        resolve({
          reason: lastLine || `backstage-cli exited with ${code}`,
        });
      }
    });
  });
}

/**
 * The caller's Backstage token: `--token`, else `TRELLIS_TOKEN`, else what
 * `backstage-cli auth print-token` prints after `backstage-cli auth login`.
 */
export async function resolveToken(options: {
  flag?: string;
  env: NodeJS.ProcessEnv;
  instance?: string;
}): Promise<{ token: string; source: TokenSource }> {
  if (options.flag !== undefined) {
    if (!options.flag.trim()) {
      throw new CliError('--token: is empty', EXIT.usage);
    }
    return { token: options.flag.trim(), source: '--token' };
  }
  const fromEnv = options.env.TRELLIS_TOKEN;
  if (fromEnv !== undefined && fromEnv.trim()) {
    return { token: fromEnv.trim(), source: 'TRELLIS_TOKEN' };
  }
  const printed = await printToken(options.instance);
  if (printed.token) {
    return { token: printed.token, source: 'backstage-cli' };
  }
  throw new CliError(
    [
      'No Backstage token. Give one of:',
      '  --token <token>',
      '  TRELLIS_TOKEN=<token>',
      '  backstage-cli auth login --backend-url <url>  (then trellis runs backstage-cli auth print-token)',
      `backstage-cli auth print-token said: ${printed.reason}`,
    ].join('\n'),
    EXIT.notAllowed,
  );
}
