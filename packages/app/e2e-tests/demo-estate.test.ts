import { expect, test } from '@playwright/test';
import { platformApi, signInAsGuest } from './helpers';

/*
 * What a new user sees on the first start of scripts/start: the demo estate
 * of examples/demo-estate.yaml. scripts/test runs the portal without it
 * (app-config.e2e.yaml), so there this test skips; the estate itself is
 * proven in CI by plugins/platform-backend-module-local/src/demoEstate.test.ts.
 * Against a backend with platform.demo.enabled:
 *
 *   PLAYWRIGHT_URL=http://localhost:3000 PLAYWRIGHT_BACKEND_URL=http://localhost:7007 \
 *     yarn playwright test packages/app/e2e-tests/demo-estate.test.ts
 *
 * With TRELLIS_SCREENSHOTS=1 it also refreshes docs/screenshots/fleet-skew-*.
 */
test('the demo estate shows version skew on the Fleet and a failed request with its message', async ({
  page,
  request,
}) => {
  const { body } = await platformApi(
    request,
    'GET',
    '/resources?text=warehouse-archive&environment=production',
  );
  const failed = body.items?.[0];
  test.skip(
    !failed,
    'no demo estate: start the backend with platform.demo.enabled',
  );

  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAsGuest(page);
  await page.goto('/platform/fleet');
  const repositories = page.getByRole('region', { name: 'Git repository' });
  await expect(repositories.getByText('current v1.1.0')).toBeVisible();
  await expect(repositories.getByText('6 behind')).toBeVisible();
  await expect(
    repositories.getByRole('row', { name: /v1\.0\.0/ }),
  ).toContainText('behind');
  if (process.env.TRELLIS_SCREENSHOTS) {
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: 'docs/screenshots/fleet-skew-light.png' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await repositories.evaluate(card =>
      card.scrollIntoView({ block: 'start' }),
    );
    await page.screenshot({
      path: 'docs/screenshots/fleet-skew-light-narrow.png',
    });
    await page.setViewportSize({ width: 1440, height: 900 });
  }

  await page.goto(`/platform/resources/${failed.id}`);
  await expect(page.getByRole('status', { name: 'Phase' })).toContainText(
    'Failed',
  );
  // Under the name, in the engine's words.
  await expect(
    page.getByText(
      /^Database in production — Quota exceeded: 50 GiB of storage requested, the quota is 20 GiB/,
    ),
  ).toBeVisible();
});
