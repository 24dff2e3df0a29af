/*
 * Push latency: a change made through the platform API (PATCH of a spec) and
 * the engine's change that follows it (the local engine applies the new
 * generation and reports Ready), until each is visible on an open resource
 * page in Chromium, side by side with a plain `fetch` of the same resource
 * (back-to-back GETs from this process: the time at which the API itself
 * returns the new state).
 *
 * Several targets in the same run, changes interleaved so that they share
 * the machine's load: the production bundle (the backend serving the built
 * app) and the dev server (`yarn start` in packages/app, pointing at its own
 * backend). Each target names the app's URL and the backend's URL:
 *
 *   BENCH_PUSH_TARGETS='prod=http://localhost:7110,dev=http://localhost:7113@http://localhost:7112'
 *
 * (`name=appUrl` when the backend serves the app, `name=appUrl@backendUrl`
 * otherwise). The backends must run with guest sign-in and the local engine
 * (the `scripts/start` defaults); see bench/README.md.
 *
 * Per change the page records, with the browser's clock (the same machine's
 * wall clock as this process): when the signal arrived on the WebSocket, when
 * each of its platform API reads started and ended (resource timing), when the
 * DOM first showed the new state (MutationObserver) and the next animation
 * frame after that (painted). Printed: p50/p95 per target and hop, and the
 * ratio browser / plain fetch.
 *
 * Settings: BENCH_PUSH_CHANGES (per target, default 20), BENCH_PUSH_WARMUP
 * (default 2), CHROMIUM_PATH (default /usr/bin/chromium).
 */
import { chromium, Page } from 'playwright-core';
import {
  intSetting,
  ms,
  printTable,
  sleep,
  summarize,
} from '../platform-api/stats';

const CHANGES = intSetting('BENCH_PUSH_CHANGES', 20, 1, 500);
const WARMUP = intSetting('BENCH_PUSH_WARMUP', 2, 0, 20);
const OWNER = 'group:default/team-storefront';
/** A change not visible within this long counts as missed. */
const MISS_MS = 30_000;

interface Target {
  name: string;
  appUrl: string;
  backendUrl: string;
}

function targets(): Target[] {
  const raw =
    process.env.BENCH_PUSH_TARGETS ??
    'prod=http://localhost:7110,dev=http://localhost:7113@http://localhost:7112';
  return raw.split(',').map(entry => {
    const [name, urls] = entry.split('=');
    const [appUrl, backendUrl = appUrl] = urls.split('@');
    return { name, appUrl, backendUrl };
  });
}

const now = () => performance.timeOrigin + performance.now();

/** Installed in the page before any of its scripts runs. */
function pageProbe() {
  const w = window as any;
  const clock = () => performance.timeOrigin + performance.now();
  const probe = {
    messages: [] as Array<{ at: number; data: string }>,
    sent: [] as string[],
    watches: [] as Array<{
      test: () => boolean;
      resolve: (times: { dom: number; painted: number }) => void;
    }>,
  };
  w.__push = probe;
  performance.setResourceTimingBufferSize(100_000);
  const Native = window.WebSocket;
  class Probed extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', event => {
        probe.messages.push({ at: clock(), data: String(event.data) });
      });
    }
    send(data: any) {
      probe.sent.push(String(data));
      super.send(data);
    }
  }
  w.WebSocket = Probed;
  const check = () => {
    const dom = clock();
    for (const watch of probe.watches.filter(w => w.test())) {
      probe.watches.splice(probe.watches.indexOf(watch), 1);
      requestAnimationFrame(() => watch.resolve({ dom, painted: clock() }));
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
  });
}

/** What the page shows: the Generation row, the phase, the spec. */
function shown(): { generation: string; phase: string; spec: string } {
  const cell = (label: string, row: string) => {
    const table = document.querySelector(`table[aria-label="${label}"]`);
    for (const tr of Array.from(table?.querySelectorAll('tr') ?? [])) {
      if (tr.querySelector('th')?.textContent === row) {
        return tr.querySelector('td')?.textContent ?? '';
      }
    }
    return '';
  };
  return {
    generation: cell('Details', 'Generation'),
    phase:
      document.querySelector('[role="status"][aria-label="Phase"]')
        ?.textContent ?? '',
    spec: cell('Spec', 'retentionDays'),
  };
}

/** Resolves with the DOM and paint times at which the page shows `want`. */
function waitForPage(page: Page, want: { generation: string; spec: string }) {
  return page.evaluate(
    ({ wantGeneration, wantSpec, shownSource }) =>
      new Promise<{ dom: number; painted: number }>(resolve => {
        // eslint-disable-next-line no-new-func
        const read = new Function(`return (${shownSource})()`) as () => {
          generation: string;
          phase: string;
          spec: string;
        };
        const w = window as any;
        w.__push.watches.push({
          test: () => {
            const s = read();
            return (
              s.spec.trim() === wantSpec &&
              s.generation === wantGeneration &&
              (!wantGeneration.endsWith('(applied)') || s.phase === 'Ready')
            );
          },
          resolve,
        });
      }),
    {
      wantGeneration: want.generation,
      wantSpec: want.spec,
      shownSource: shown.toString(),
    },
  );
}

interface Api {
  token: string;
  backendUrl: string;
}

async function guestToken(backendUrl: string): Promise<string> {
  const response = await fetch(`${backendUrl}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!response.ok) throw new Error(`Guest sign-in: ${response.status}`);
  return ((await response.json()) as any).backstageIdentity.token;
}

async function call(api: Api, method: string, path: string, body?: unknown) {
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

interface Mode {
  target: Target;
  api: Api;
  page: Page;
  id: string;
  generation: number;
  samples: Sample[];
}

interface Sample {
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

async function openMode(browser: any, target: Target): Promise<Mode> {
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
async function change(mode: Mode, value: number): Promise<Sample | undefined> {
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

function report(modes: Mode[]) {
  const pct = (values: number[]) => {
    const s = summarize(values.filter(v => Number.isFinite(v)));
    return `${ms(s.p50)} / ${ms(s.p95)}`;
  };
  const col = (pick: (s: Sample) => number) =>
    modes.map(m => pct(m.samples.map(pick)));
  const headers = [
    'p50 / p95 ms (from PATCH sent)',
    ...modes.map(m => m.target.name),
  ];
  console.log('\nAPI change (PATCH of the spec) → visible:');
  printTable(headers, [
    ['PATCH answered', ...col(s => s.patchAnswered)],
    ['plain fetch returns the new spec', ...col(s => s.apiFetch)],
    ['first signal at the browser', ...col(s => s.firstSignal)],
    ['signal before the read that showed it', ...col(s => s.apiSignal)],
    ['page read of the resource started', ...col(s => s.apiReadStart)],
    ['page read of the resource answered', ...col(s => s.apiReadEnd)],
    ['DOM shows the new spec', ...col(s => s.apiDom)],
    ['painted (next frame)', ...col(s => s.apiPainted)],
    ['painted − plain fetch', ...col(s => s.apiPainted - s.apiFetch)],
    [
      'ratio painted / plain fetch',
      ...modes.map(m =>
        ratio(
          m,
          s => s.apiPainted,
          s => s.apiFetch,
        ),
      ),
    ],
  ]);
  console.log(
    '\nEngine change (the engine reports Ready at the new generation) → visible:',
  );
  printTable(headers, [
    ['plain fetch returns Ready', ...col(s => s.engineFetch)],
    ['signal before the read that showed it', ...col(s => s.engineSignal)],
    ['page read of the resource started', ...col(s => s.engineReadStart)],
    ['page read of the resource answered', ...col(s => s.engineReadEnd)],
    ['DOM shows Ready', ...col(s => s.engineDom)],
    ['painted (next frame)', ...col(s => s.enginePainted)],
    ['painted − plain fetch', ...col(s => s.enginePainted - s.engineFetch)],
    [
      'ratio painted / plain fetch',
      ...modes.map(m =>
        ratio(
          m,
          s => s.enginePainted,
          s => s.engineFetch,
        ),
      ),
    ],
  ]);
  console.log(
    '\nSignals and platform API reads by the page per change (mean):',
  );
  const kinds = [
    ...new Set(
      modes.flatMap(m => m.samples.flatMap(s => Object.keys(s.reads))),
    ),
  ].sort();
  printTable(
    ['read', ...modes.map(m => m.target.name)],
    [
      [
        'signals until Ready shown',
        ...modes.map(m =>
          (
            m.samples.reduce((t, s) => t + s.signals, 0) /
            Math.max(1, m.samples.length)
          ).toFixed(1),
        ),
      ],
    ].concat(
      kinds.map(kind => [
        kind,
        ...modes.map(m =>
          (
            m.samples.reduce((t, s) => t + (s.reads[kind] ?? 0), 0) /
            Math.max(1, m.samples.length)
          ).toFixed(1),
        ),
      ]),
    ),
  );
}

/** p50 / p95 of the per-change ratio. */
function ratio(mode: Mode, a: (s: Sample) => number, b: (s: Sample) => number) {
  const s = summarize(mode.samples.map(x => a(x) / b(x)));
  return `${s.p50.toFixed(2)} / ${s.p95.toFixed(2)}`;
}

async function main() {
  const hardLimit = setTimeout(() => {
    console.error('Time limit reached');
    process.exit(2);
  }, 20 * 60_000);
  hardLimit.unref();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const modes: Mode[] = [];
    for (const target of targets()) modes.push(await openMode(browser, target));
    console.log(
      `Push latency: ${CHANGES} changes per target after ${WARMUP} unmeasured, interleaved; targets: ${modes
        .map(
          m =>
            `${m.target.name} (app ${m.target.appUrl}, backend ${m.target.backendUrl})`,
        )
        .join(', ')}.`,
    );
    let missed = 0;
    for (let i = 0; i < WARMUP + CHANGES; i++) {
      for (const mode of modes) {
        const sample = await change(mode, 2 + i);
        if (i < WARMUP) continue;
        if (sample) mode.samples.push(sample);
        else missed++;
        await sleep(300);
      }
    }
    report(modes);
    console.log(`\nChanges not visible within ${MISS_MS / 1000} s: ${missed}.`);
    for (const mode of modes) {
      await call(mode.api, 'DELETE', `/resources/${mode.id}`).catch(
        () => undefined,
      );
    }
  } finally {
    await browser.close();
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
