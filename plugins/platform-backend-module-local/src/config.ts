import { Config } from '@backstage/config';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LocalEngineOptions } from './engine/LocalEngine';

/**
 * The repository root: the nearest folder upwards with a package.json that
 * declares workspaces. The backend runs from packages/backend, and the
 * defaults are relative to the root.
 */
export function findWorkspaceRoot(from: string): string {
  let dir = resolve(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).workspaces) {
          return dir;
        }
      } catch {
        // not a readable manifest; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      return resolve(from);
    }
    dir = parent;
  }
}

function positive(
  config: Config,
  key: string,
  options: { integer?: boolean } = {},
): number | undefined {
  const value = config.getOptionalNumber(key);
  if (
    value !== undefined &&
    (!(value > 0) || (options.integer && !Number.isInteger(value)))
  ) {
    throw new Error(
      `platform.engines.local.${key} must be a positive ${
        options.integer ? 'whole ' : ''
      }number, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads `platform.engines.local`. Relative paths resolve against the
 * working directory, as Backstage's own file paths do; without them the
 * engine uses `examples/capabilities` and `data/local-engine` at the
 * repository root.
 */
export function readLocalEngineConfig(
  root: Config,
  cwd: string = process.cwd(),
): Omit<LocalEngineOptions, 'logger'> {
  const config = root.getOptionalConfig('platform.engines.local');
  const workspace = findWorkspaceRoot(cwd);
  const get = (key: string) => config?.getOptionalString(key);
  const secrets: Record<string, Record<string, string>> = {};
  const secretsConfig = config?.getOptionalConfig('secrets');
  for (const name of secretsConfig?.keys() ?? []) {
    const entry = secretsConfig!.getConfig(name);
    secrets[name] = Object.fromEntries(
      entry.keys().map(key => [key, entry.getString(key)]),
    );
  }
  const limit = config?.getOptionalNumber('retries.limit');
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new Error(
      `platform.engines.local.retries.limit must be a whole number, got ${limit}`,
    );
  }
  return {
    capabilitiesDir: get('capabilitiesDir')
      ? resolve(cwd, get('capabilitiesDir')!)
      : join(workspace, 'examples', 'capabilities'),
    stateDir: get('stateDir')
      ? resolve(cwd, get('stateDir')!)
      : join(workspace, 'data', 'local-engine'),
    concurrency: config && positive(config, 'concurrency', { integer: true }),
    stepTimeoutSeconds: config && positive(config, 'stepTimeoutSeconds'),
    maxSpecBytes: config && positive(config, 'maxSpecBytes', { integer: true }),
    maxLogBytes: config && positive(config, 'maxLogBytes', { integer: true }),
    retries: {
      limit,
      initialBackoffSeconds:
        config && positive(config, 'retries.initialBackoffSeconds'),
      maxBackoffSeconds:
        config && positive(config, 'retries.maxBackoffSeconds'),
    },
    secrets,
  };
}
