/*
 * One target's resource page opened in Chromium, and one change measured on
 * it: the PATCH, a plain fetch loop beside it, and the page's signal, reads,
 * DOM and paint.
 */
import { Page } from 'playwright-core';
import { sleep } from '../platform-api/stats';
import { waitForPage, pageProbe } from './pageProbe';
import { Api, call, guestToken, Target } from './targets';

export const OWNER = 'group:default/team-storefront';
/** A change not visible within this long counts as missed. */
export const MISS_MS = 30_000;

const now = () => performance.timeOrigin + performance.now();

export interface Mode {
  target: Target;
  api: Api;
  page: Page;
  id: string;
  generation: number;
  samples: Sample[];
}

export interface Sample {
  /** All relative to the moment the PATCH was sent. */
  patchAnswered: number;
  firstSignal: number;
  signals: number;
  apiFetch: number;
  apiSignal: number;
  apiReadStart: number;
  apiReadEnd: number;
  apiDom: number;
  apiPainted: number;
  engineFetch: number;
  engineSignal: number;
  engineReadStart: number;
  engineReadEnd: number;
  engineDom: number;
  enginePainted: number;
  /** Platform API reads the page made during the change, by kind. */
  reads: Record<string, number>;
}

export async function openMode(browser: any, target: Target): Promise<Mode> {
  const api = {
    token: await guestToken(target.backendUrl),
    backendUrl: target.backendUrl,
  };
  // A fresh backend knows the guest's team once the catalog has read it.
  let created: any;
  for (let attempt = 0; !created; attempt++) {
    try {
      created = await call(api, 'POST', '/resources', {
        capabilityRef: 'local:bucket',
        name: `push-${target.name}-${Date.now().toString(36)}`,
        environment: 'dev',
        owner: OWNER,
        spec: { retentionDays: 1 },
      });
    } catch (error) {
      if (attempt > 60) throw error;
      await sleep(1000);
      api.token = await guestToken(target.backendUrl);
    }
  }
  const id = created.id as string;
  for (let i = 0; ; i++) {
    const r = await call(api, 'GET', `/resources/${id}`);
    if (r.status.phase === 'Ready') break;
    if (i > 600)
      throw new Error(`${target.name}: the resource did not become Ready`);
    await sleep(100);
  }
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
  });
  const page: Page = await context.newPage();
  await page.addInitScript(pageProbe);
  await page.goto(target.appUrl);
  await page.getByRole('button', { name: 'Enter' }).click();
  await page
    .getByRole('navigation', { name: 'sidebar nav' })
    .getByRole('link', { name: 'Catalog', exact: true })
    .waitFor({ timeout: 60_000 });
  await page.goto(`${target.appUrl}/platform/resources/${id}`);
  await page.getByRole('table', { name: 'Spec' }).waitFor({ timeout: 60_000 });
  // Subscribed: the signals client has sent the subscription.
  await page.waitForFunction(
    channel =>
      (window as any).__push.sent.some((s: string) => s.includes(channel)),
    `platform:resource:${id}`,
    { timeout: 30_000 },
  );
  await sleep(500);
  return { target, api, page, id, generation: 1, samples: [] };
}

/** One change: PATCH, plain fetch loop, page watch. */
export async function change(
  mode: Mode,
  value: number,
): Promise<Sample | undefined> {
  const { page, api, id } = mode;
  const generation = mode.generation + 1;
  const apiVisible = waitForPage(page, {
    generation: `${generation} (engine at ${generation - 1})`,
    spec: String(value),
  });
  // The engine may already have applied it by the time the page first
  // shows it: then only the applied form appears.
  const engineVisible = waitForPage(page, {
    generation: `${generation} (applied)`,
    spec: String(value),
  });
  const t0 = now();
  await page.evaluate(() => {
    (window as any).__push.messages = [];
    performance.clearResourceTimings();
  });
  const patch = call(api, 'PATCH', `/resources/${id}`, {
    spec: { retentionDays: value },
    generation: mode.generation,
  }).then(r => ({ at: now(), r }));
  // Plain fetch: GETs back to back until the API returns the new spec, then
  // the engine's Ready at that generation.
  let apiFetch = NaN;
  let engineFetch = NaN;
  const fetchLoop = (async () => {
    while (now() - t0 < MISS_MS) {
      const r = await call(api, 'GET', `/resources/${id}`);
      const at = now();
      if (Number.isNaN(apiFetch) && r.generation >= generation) apiFetch = at;
      if (r.observedGeneration >= generation && r.status.phase === 'Ready') {
        engineFetch = at;
        if (Number.isNaN(apiFetch)) apiFetch = at;
        return;
      }
    }
  })();
  const timeout = sleep(MISS_MS).then(() => undefined);
  const [patched, apiSeen, engineSeen] = await Promise.all([
    patch,
    Promise.race([
      apiVisible.then(v => v),
      engineVisible.then(v => v),
      timeout,
    ]),
    Promise.race([engineVisible, timeout]),
    fetchLoop,
  ]);
  mode.generation = patched.r.generation;
  if (!apiSeen || !engineSeen || Number.isNaN(engineFetch)) return undefined;
  const { messages, reads } = await page.evaluate(() => ({
    messages: (window as any).__push.messages as Array<{
      at: number;
      data: string;
    }>,
    reads: performance
      .getEntriesByType('resource')
      .filter(e => e.name.includes('/api/platform/'))
      .map(e => ({
        name: e.name,
        start: performance.timeOrigin + e.startTime,
        end:
          performance.timeOrigin + (e as PerformanceResourceTiming).responseEnd,
      })),
  }));
  const ours = messages.filter(m => m.data.includes(`platform:resource:${id}`));
  const resourceReads = reads.filter(r =>
    new URL(r.name).pathname.endsWith(`/resources/${id}`),
  );
  /** The read that brought the state the page showed at `dom`, and its signal. */
  const cause = (dom: number) => {
    const read = [...resourceReads].reverse().find(r => r.end <= dom);
    const signal = read
      ? [...ours].reverse().find(m => m.at <= read.start)
      : undefined;
    return {
      signal: (signal?.at ?? NaN) - t0,
      readStart: (read?.start ?? NaN) - t0,
      readEnd: (read?.end ?? NaN) - t0,
    };
  };
  const a = cause(apiSeen.dom);
  const e = cause(engineSeen.dom);
  const kinds: Record<string, number> = {};
  for (const r of reads) {
    const path = new URL(r.name).pathname;
    const kind = path.endsWith(id)
      ? 'resource'
      : path.split('/').pop() ?? 'other';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return {
    patchAnswered: patched.at - t0,
    firstSignal: (ours[0]?.at ?? NaN) - t0,
    signals: ours.filter(m => m.at <= engineSeen.dom).length,
    apiFetch: apiFetch - t0,
    apiSignal: a.signal,
    apiReadStart: a.readStart,
    apiReadEnd: a.readEnd,
    apiDom: apiSeen.dom - t0,
    apiPainted: apiSeen.painted - t0,
    engineFetch: engineFetch - t0,
    engineSignal: e.signal,
    engineReadStart: e.readStart,
    engineReadEnd: e.readEnd,
    engineDom: engineSeen.dom - t0,
    enginePainted: engineSeen.painted - t0,
    reads: kinds,
  };
}
