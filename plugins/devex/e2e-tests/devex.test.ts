// Playwright is the repo's e2e runner (root devDependency), not a dependency
// of the plugin package.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { test, expect, Page } from '@playwright/test';
import fs from 'node:fs';

/** Signs in with the guest provider, as packages/app/e2e-tests does. */
async function signInAsGuest(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'DevEx', exact: true }),
  ).toBeVisible();
}

function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(
    Math.random() * 1296,
  ).toString(36)}`;
}

const TABS = [
  { path: 'adoption', title: 'Adoption', chart: 'Active users' },
  { path: 'golden-paths', title: 'Golden paths', chart: 'Golden-path runs' },
  {
    path: 'service-levels',
    title: 'Service levels',
    chart: undefined as string | undefined,
  },
];

/** The Runs figure the Golden paths tab shows (its default range). */
async function shownRuns(page: Page): Promise<number> {
  await page.goto('/devex/golden-paths');
  const runs = page.locator('p[aria-label="Runs"]');
  await expect(runs).toHaveText(/^\d+$/);
  return Number(await runs.textContent());
}

test('a golden path run in the portal moves the DevEx figures', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await signInAsGuest(page);
  const before = await shownRuns(page);

  const name = uniqueName('devex');
  await page.goto('/create');
  await page.getByRole('textbox', { name: 'Search' }).fill('Node.js service');
  await expect(page.getByRole('button', { name: 'Choose' })).toHaveCount(1);
  await page.getByRole('button', { name: 'Choose' }).click();
  await page.getByLabel('Name').first().fill(name);
  await page.getByLabel('Description').fill('Made by the DevEx e2e test');
  // The guest's only team is chosen for them once the picker has loaded.
  await expect(page.getByRole('textbox', { name: 'Owner' })).toHaveValue(
    'Storefront',
  );
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByText('The database')).toBeVisible();
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('link', { name: 'The component' })).toBeVisible({
    timeout: 180_000,
  });

  // The scaffolder source turns the finished task into a golden-path fact;
  // the tab shows it once it has landed.
  await expect(async () => {
    await page.goto('/devex/golden-paths');
    await expect(page.locator('p[aria-label="Runs"]')).toHaveText(
      String(before + 1),
      { timeout: 5_000 },
    );
  }).toPass({ timeout: 60_000 });
  // The guest's own page views count as activity.
  await expect(async () => {
    await page.goto('/devex/adoption');
    await expect(page.locator('p[aria-label="Active users"]')).not.toHaveText(
      '0',
      { timeout: 5_000 },
    );
  }).toPass({ timeout: 60_000 });
});

for (const theme of ['light', 'dark']) {
  test(`every DevEx tab renders its charts in the ${theme} theme`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.addInitScript(
      t => window.localStorage.setItem('theme', t),
      theme,
    );
    await signInAsGuest(page);
    for (const tab of TABS) {
      await page.goto(`/devex/${tab.path}`);
      await expect(
        page.getByRole('tab', { name: tab.title, selected: true }),
      ).toBeVisible();
      const figures = page.getByRole('figure');
      await expect(figures.first()).toBeVisible();
      if (tab.chart) {
        await expect(
          page.getByRole('figure', { name: tab.chart }).locator('svg').first(),
        ).toBeVisible();
      }
      await expect(page.getByText(/Something went wrong|Error/)).toHaveCount(0);
      if (process.env.TRELLIS_SCREENSHOTS) {
        await page.waitForLoadState('networkidle');
        await page.screenshot({
          path: `docs/screenshots/devex-${tab.path}-${theme}.png`,
        });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.waitForTimeout(300);
        await page.screenshot({
          path: `docs/screenshots/devex-${tab.path}-${theme}-narrow.png`,
        });
        await page.setViewportSize({ width: 1440, height: 900 });
      }
    }
  });
}

test('a DevEx table downloads as CSV', async ({ page }) => {
  await signInAsGuest(page);
  await page.goto('/devex/adoption');
  const button = page
    .getByRole('link', { name: /^Download .* as CSV$/ })
    .first();
  await expect(button).toBeVisible({ timeout: 30_000 });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    button.click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^devex-.*\.csv$/);
  const text = fs.readFileSync((await download.path())!, 'utf8');
  expect(text.split('\n')[0]).toContain(',');
  expect(text.trim().split('\n').length).toBeGreaterThan(1);
});
