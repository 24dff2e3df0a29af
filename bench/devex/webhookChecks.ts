/*
 * The webhook bench's checks, read from the backend: the delivery facts
 * stored, the raw delivery counts, whether the catalog is filled.
 */
import { DevexBenchBackend, SERVICE_TOKEN } from './backend';
import { Delivery, REPOS } from './webhookData';

/** The delivery facts stored, as `pr:<repo>#<n>` / `deployment:<repo>#<id>`. */
async function storedFacts(baseUrl: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const kind of ['delivery.change.merged', 'delivery.deployment']) {
    let after: string | undefined;
    for (;;) {
      const res = await fetch(
        `${baseUrl}/api/devex/facts?kind=${kind}&limit=1000${
          after ? `&after=${after}` : ''
        }`,
        { headers: { Authorization: `Bearer ${SERVICE_TOKEN}` } },
      );
      if (!res.ok) {
        throw new Error(`export failed: ${res.status} ${await res.text()}`);
      }
      const page = (await res.json()) as {
        items: { attributes?: Record<string, unknown> }[];
        nextCursor?: string;
      };
      for (const f of page.items) {
        const a = f.attributes ?? {};
        keys.add(
          kind === 'delivery.deployment'
            ? `deployment:${a.repo}#${a.id}`
            : `pr:${a.repo}#${a.number}`,
        );
      }
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
  }
  return keys;
}

export async function deliveryCounts(baseUrl: string) {
  const res = await fetch(`${baseUrl}/api/devex/delivery/connect`, {
    headers: { Authorization: `Bearer ${SERVICE_TOKEN}` },
  });
  if (!res.ok) throw new Error(`connect: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { deliveries: Record<string, number> })
    .deliveries;
}

/** Waits until the catalog has every bench component (the mapping reads it). */
export async function catalogReady(backend: DevexBenchBackend) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(
      `${backend.baseUrl}/api/catalog/entities?filter=kind=component&fields=metadata.name`,
      { headers: { Authorization: `Bearer ${backend.userToken}` } },
    );
    if (res.ok && ((await res.json()) as unknown[]).length >= REPOS) return;
    if (Date.now() > deadline) throw new Error('the catalog did not fill');
    await new Promise(r => setTimeout(r, 500));
  }
}

/** Until every acknowledged delivery's fact is stored, or `ms` passed. */
export async function waitForFacts(
  baseUrl: string,
  acknowledged: Delivery[],
  ms: number,
): Promise<{ missing: Delivery[]; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const stored = await storedFacts(baseUrl);
    const missing = acknowledged.filter(d => d.fact && !stored.has(d.fact));
    if (!missing.length || Date.now() - started > ms) {
      return { missing, waitedMs: Date.now() - started };
    }
    await new Promise(r => setTimeout(r, 2000));
  }
}
