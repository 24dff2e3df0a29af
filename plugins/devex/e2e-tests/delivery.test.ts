// Playwright is the repo's e2e runner (root devDependency), not a dependency
// of the plugin package.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { test, expect, Page } from '@playwright/test';

/*
 * The Delivery tab and the component card on the demo history of
 * scripts/start (devex-backend src/demo: the example components' pull
 * requests, deployments and incidents), in light and dark. With
 * TRELLIS_SCREENSHOTS=1 they refresh docs/screenshots/devex-delivery-*.png,
 * devex-team-*.png (both also at phone width, -narrow) and
 * entity-delivery-card-*.png.
 */

async function signInAsGuest(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'DevEx', exact: true }),
  ).toBeVisible();
}

/**
 * Whether the portal has delivery history to show: scripts/start writes the
 * demo's; the e2e run of scripts/test turns the demo off (app-config.e2e.yaml)
 * and has no delivery source, so there these tests are skipped, saying why.
 */
test.beforeAll(async ({ request }) => {
  const backend = process.env.PLAYWRIGHT_BACKEND_URL ?? 'http://localhost:7007';
  const auth = await request.get(`${backend}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  expect(auth.ok()).toBeTruthy();
  const token = (await auth.json()).backstageIdentity.token;
  const day = (offset: number) =>
    new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
  const res = await request.get(
    `${backend}/api/devex/metrics/delivery?from=${day(90)}&to=${day(0)}`,
    { headers: { Authorization: `Bearer ${token}` } },
  );
  expect(res.ok()).toBeTruthy();
  const report = await res.json();
  test.skip(
    report.totals.deploymentFrequency.deployments === 0,
    'no delivery history in this portal (the demo history of scripts/start has it)',
  );
});

/** A screenshot, and with `narrow` the same page on a phone (`-narrow`). */
async function shoot(page: Page, name: string, narrow = false) {
  if (!process.env.TRELLIS_SCREENSHOTS) return;
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: `docs/screenshots/${name}.png` });
  if (!narrow) return;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `docs/screenshots/${name}-narrow.png` });
  await page.setViewportSize({ width: 1440, height: 900 });
}

for (const theme of ['light', 'dark']) {
  test(`the Delivery tab shows the demo's DORA figures in the ${theme} theme`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.addInitScript(
      t => window.localStorage.setItem('theme', t),
      theme,
    );
    await signInAsGuest(page);
    await page.goto('/devex/delivery?range=90');
    await expect(
      page.getByRole('tab', { name: 'Delivery', selected: true }),
    ).toBeVisible();
    // The demo has production deployments every week: a rate, and a tier.
    await expect(
      page.locator('p[aria-label="Deployment frequency"]'),
    ).toHaveText(/^\d+(\.\d)? \/ week$/);
    await expect(
      page
        .getByRole('region', { name: 'Deployment frequency' })
        .getByLabel(/^Tier: (Elite|High|Medium|Low)$/),
    ).toBeVisible();
    await expect(
      page.locator('p[aria-label="Lead time for changes"]'),
    ).not.toHaveText('—');
    await expect(
      page
        .getByRole('figure', { name: 'Production deployments' })
        .locator('svg')
        .first(),
    ).toBeVisible();
    const components = page.getByRole('table', { name: 'By component' });
    for (const name of ['storefront-web', 'checkout-service', 'search-api']) {
      await expect(components.getByText(name, { exact: true })).toBeVisible();
    }
    // A figure opens the facts it counts.
    await page
      .getByRole('button', { name: 'Show the incidents behind Recovery time' })
      .click();
    const evidence = page.getByRole('region', { name: 'Evidence' });
    await expect(
      evidence.getByRole('table', { name: 'Evidence: incidents' }),
    ).toBeVisible();
    await expect(evidence.getByRole('row').nth(1)).toBeVisible();
    await expect(
      page.getByRole('table', { name: 'Golden-path components vs the rest' }),
    ).toBeVisible();
    await expect(page.getByText(/Something went wrong/)).toHaveCount(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, `devex-delivery-${theme}`, true);
    if (process.env.TRELLIS_SCREENSHOTS) {
      await page
        .getByRole('table', { name: 'Golden-path components vs the rest' })
        .scrollIntoViewIfNeeded();
      await shoot(page, `devex-delivery-impact-${theme}`);
    }
  });

  test(`the Team tab joins one team's figures in the ${theme} theme`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.addInitScript(
      t => window.localStorage.setItem('theme', t),
      theme,
    );
    await signInAsGuest(page);
    await page.goto('/devex/team?range=90&team=group:default/team-search');
    await expect(
      page.getByRole('tab', { name: 'Team', selected: true }),
    ).toBeVisible();
    for (const area of [
      'Adoption',
      'Golden paths',
      'Platform service levels',
      'Delivery',
      'Onboarding',
    ]) {
      await expect(page.getByRole('region', { name: area })).toBeVisible();
    }
    const deliveryArea = page.getByRole('region', { name: 'Delivery' });
    await expect(
      deliveryArea.locator('p[aria-label="Deployment frequency"]'),
    ).toHaveText(/^\d+(\.\d)? \/ week$/);
    await expect(
      page
        .getByRole('region', { name: 'Golden paths' })
        .locator('p[aria-label="Golden-path runs"]'),
    ).toHaveText(/^[1-9][\d,]*$/);
    await expect(
      page.getByRole('link', {
        name: 'Download All figures of the team as CSV',
      }),
    ).toBeVisible();
    await expect(page.getByText(/Something went wrong/)).toHaveCount(0);
    await shoot(page, `devex-team-${theme}`, true);
  });

  test(`a component page shows its Delivery card in the ${theme} theme`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.addInitScript(
      t => window.localStorage.setItem('theme', t),
      theme,
    );
    await signInAsGuest(page);
    await page.goto('/catalog/default/component/storefront-web');
    // On the overview, only the Delivery card has these figures.
    await expect(
      page.locator('p[aria-label="Deployment frequency"]'),
    ).toHaveText(/^\d+(\.\d)? \/ week$/, { timeout: 30_000 });
    await expect(page.getByLabel(/^Tier: /).first()).toBeVisible();
    await expect(
      page.getByRole('link', {
        name: 'Charts and the evidence on the Delivery tab',
      }),
    ).toBeVisible();
    await page.getByText('Delivery', { exact: true }).scrollIntoViewIfNeeded();
    await shoot(page, `entity-delivery-card-${theme}`);
  });
}
