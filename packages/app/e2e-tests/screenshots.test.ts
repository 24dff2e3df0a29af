import { test, expect, Page } from '@playwright/test';
import { platformApi, signInAsGuest } from './helpers';

/*
 * Not a test: refreshes the screenshots in docs/screenshots, in light and
 * dark. Runs only with TRELLIS_SCREENSHOTS=1, against a portal that has some
 * resources (e.g. after the golden-path spec):
 *
 *   TRELLIS_SCREENSHOTS=1 PLAYWRIGHT_URL=http://localhost:3000 \
 *     yarn playwright test packages/app/e2e-tests/screenshots.test.ts
 */
test.skip(!process.env.TRELLIS_SCREENSHOTS, 'set TRELLIS_SCREENSHOTS=1');

async function shoot(page: Page, name: string, theme: string) {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: `docs/screenshots/${name}-${theme}.png` });
  // The same page on a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({
    path: `docs/screenshots/${name}-${theme}-narrow.png`,
  });
  await page.setViewportSize({ width: 1440, height: 900 });
}

for (const theme of ['light', 'dark']) {
  test(`portal pages in the ${theme} theme`, async ({ page, request }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.addInitScript(
      t => window.localStorage.setItem('theme', t),
      theme,
    );
    await signInAsGuest(page);

    const { body } = await platformApi(request, 'GET', '/resources?limit=50');
    const resource =
      body.items.find((r: any) => r.status.phase === 'Ready') ?? body.items[0];
    expect(resource).toBeDefined();

    await page.goto('/platform/catalog');
    await expect(page.getByRole('heading', { name: 'Database' })).toBeVisible();
    await shoot(page, 'service-catalog', theme);

    await page.goto('/platform/capabilities/local:database');
    await expect(page.getByText('storageGb').first()).toBeVisible();
    await shoot(page, 'capability', theme);

    await page.goto('/platform/resources');
    await expect(page.getByRole('row').nth(1)).toBeVisible();
    await shoot(page, 'resources', theme);

    await page.goto(`/platform/resources/${resource.id}`);
    await expect(
      page.getByRole('heading', { name: resource.name }),
    ).toBeVisible();
    await shoot(page, 'resource', theme);

    await page.goto('/platform/golden-paths');
    await expect(
      page.getByText('Node.js service with a database').first(),
    ).toBeVisible();
    await shoot(page, 'golden-paths', theme);

    await page.goto('/platform/fleet');
    await expect(page.getByRole('table').first()).toBeVisible();
    await shoot(page, 'fleet', theme);

    const withComponent = body.items.find((r: any) => r.component);
    if (withComponent) {
      const [, kindAndNs, name] =
        /^(.*)\/(.*)$/.exec(withComponent.component) ?? [];
      const [kind, namespace] = kindAndNs.split(':');
      await page.goto(`/catalog/${namespace}/${kind}/${name}/platform`);
      await expect(
        page.getByRole('heading', { name: 'Platform' }).first(),
      ).toBeVisible();
      await shoot(page, 'entity-tab', theme);
    }
  });
}
