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
import { chromium } from 'playwright-core';
import { intSetting, sleep } from '../platform-api/stats';
import { change, MISS_MS, Mode, openMode } from './measure';
import { report } from './report';
import { call, targets } from './targets';

const CHANGES = intSetting('BENCH_PUSH_CHANGES', 20, 1, 500);
const WARMUP = intSetting('BENCH_PUSH_WARMUP', 2, 0, 20);

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
