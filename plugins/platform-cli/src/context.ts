import {
  PlatformClient,
  PlatformRequestOptions,
} from '@trellis/backstage-plugin-platform-common';
import { CliError, EXIT } from './exitCodes';
import { resolveToken, TokenSource } from './token';

/** The default backend, the one `yarn start` runs. */
export const DEFAULT_URL = 'http://localhost:7007';

/** Options of one call: the client's, and those of creates. */
export type CallOptions = PlatformRequestOptions & {
  dryRun?: boolean;
  idempotencyKey?: string;
};

/** The flags every command takes. */
export interface GlobalOptions {
  url?: string;
  token?: string;
  instance?: string;
}

/** What a command needs to call the platform as the user. */
export interface CliContext {
  /** The backend's base URL, without a trailing slash. */
  baseUrl: string;
  client: PlatformClient;
  token: string;
  tokenSource: TokenSource;
  /** Per-call options that carry the token. */
  call(extra?: CallOptions): CallOptions & { token: string };
}

/** `--url`, else `TRELLIS_URL`, else the default; checked to be an http(s) URL. */
export function resolveBaseUrl(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  const raw = flag ?? (env.TRELLIS_URL?.trim() || DEFAULT_URL);
  const name = flag !== undefined ? '--url' : 'TRELLIS_URL';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(
      `${name}: "${raw}" is not a URL, e.g. http://localhost:7007`,
      EXIT.usage,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(
      `${name}: must be an http or https URL (got ${url.protocol})`,
      EXIT.usage,
    );
  }
  return raw.replace(/\/+$/, '');
}

export async function createContext(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
): Promise<CliContext> {
  const baseUrl = resolveBaseUrl(options.url, env);
  const { token, source } = await resolveToken({
    flag: options.token,
    env,
    instance: options.instance,
  });
  const client = new PlatformClient({
    discoveryApi: {
      getBaseUrl: async pluginId => `${baseUrl}/api/${pluginId}`,
    },
  });
  return {
    baseUrl,
    client,
    token,
    tokenSource: source,
    call: extra => ({ ...extra, token }),
  };
}
