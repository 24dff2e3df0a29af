/*
 * How long the portal's resource inventory takes to show its first page with
 * 100,000 resources in the store: navigation to /platform/resources until the
 * first row is visible, in headless Chromium (Playwright timing, not an
 * assertion).
 *
 * Needs a running portal whose platform plugin uses SQLite under data/ — the
 * embedded defaults of `scripts/start`. It seeds the plugin's database file
 * up to 100,000 resources (batched inserts, see platform-api/seed.ts), then
 * measures. Run from the repository root while scripts/start is serving:
 *
 *   node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs \
 *     bench/portal-inventory.ts [runs]
 *
 * PORTAL_URL (default http://localhost:3000) and PLATFORM_SQLITE (default
 * data/sqlite/platform.sqlite) point elsewhere; CHROMIUM_PATH
 * picks the browser (default /usr/bin/chromium). Delete data/ afterwards to
 * get rid of the seeded rows.
 */
import knexFactory from 'knex';
import { chromium } from 'playwright-core';
import { seedResources } from './platform-api/seed';

const TARGET = 100_000;
const runs = Number(process.argv[2] ?? 7);
const portal = process.env.PORTAL_URL ?? 'http://localhost:3000';
const sqliteFile = process.env.PLATFORM_SQLITE ?? 'data/sqlite/platform.sqlite';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}

async function seed() {
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: sqliteFile },
    useNullAsDefault: true,
  });
  try {
    const [{ count }] = await db('platform_resources').count({ count: '*' });
    const missing = TARGET - Number(count);
    if (missing > 0) {
      const result = await seedResources(db, {
        count: missing,
        engineId: 'local',
        capabilities: ['database', 'bucket', 'git-repository'],
        owners: [
          'group:default/team-storefront',
          'group:default/team-payments',
          'group:default/platform-team',
        ],
        requestedBy: 'user:default/guest',
      });
      console.log(
        `seeded ${result.inserted} resources in ${result.seconds.toFixed(1)} s`,
      );
    }
    const [{ total }] = await db('platform_resources').count({ total: '*' });
    return Number(total);
  } finally {
    await db.destroy();
  }
}

async function main() {
  const total = await seed();
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
    const page = await browser.newPage({
      viewport: { width: 1440, height: 900 },
    });
    await page.goto(portal);
    await page.getByRole('button', { name: 'Enter' }).click();
    await page.getByRole('link', { name: 'Platform', exact: true }).waitFor();

    const timings: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      // Start from another page, then navigate the way a user does.
      await page.goto(`${portal}/platform/catalog`);
      await page.getByRole('heading', { name: 'Database' }).waitFor();
      const started = performance.now();
      await page.getByRole('tab', { name: 'Resources' }).click();
      await page.getByRole('row').nth(1).waitFor();
      const ms = performance.now() - started;
      if (i > 0) timings.push(ms); // the first run warms caches and code chunks
    }
    console.log(
      `inventory first page visible after navigation, ${total} resources, ${runs} runs: ` +
        `median ${percentile(timings, 50).toFixed(0)} ms, p95 ${percentile(
          timings,
          95,
        ).toFixed(0)} ms, ` +
        `max ${Math.max(...timings).toFixed(0)} ms`,
    );
  } finally {
    await browser.close();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
