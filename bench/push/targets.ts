/** The portals measured (BENCH_PUSH_TARGETS) and their platform API. */

export interface Target {
  name: string;
  appUrl: string;
  backendUrl: string;
}

export function targets(): Target[] {
  const raw =
    process.env.BENCH_PUSH_TARGETS ??
    'prod=http://localhost:7110,dev=http://localhost:7113@http://localhost:7112';
  return raw.split(',').map(entry => {
    const [name, urls] = entry.split('=');
    const [appUrl, backendUrl = appUrl] = urls.split('@');
    return { name, appUrl, backendUrl };
  });
}

export interface Api {
  token: string;
  backendUrl: string;
}

export async function guestToken(backendUrl: string): Promise<string> {
  const response = await fetch(`${backendUrl}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!response.ok) throw new Error(`Guest sign-in: ${response.status}`);
  return ((await response.json()) as any).backstageIdentity.token;
}

export async function call(
  api: Api,
  method: string,
  path: string,
  body?: unknown,
) {
  const response = await fetch(`${api.backendUrl}/api/platform${path}`, {
    method,
    headers: {
      authorization: `Bearer ${api.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await response.json()) as any;
  if (!response.ok) {
    throw new Error(
      `${method} ${path}: ${response.status} ${json?.error?.message}`,
    );
  }
  return json;
}
