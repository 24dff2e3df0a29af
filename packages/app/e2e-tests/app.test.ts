import { test, expect } from '@playwright/test';
import { sidebar, signInAsGuest } from './helpers';

test('the portal loads and offers the Trellis sidebar items', async ({
  page,
}) => {
  await signInAsGuest(page);

  const nav = sidebar(page);
  await expect(
    nav.getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
  await expect(
    nav.getByRole('link', { name: 'Platform', exact: true }),
  ).toBeVisible();
});

test('the catalog lists the example entities', async ({ page }) => {
  await signInAsGuest(page);
  await page.goto('/catalog');

  await expect(
    page.getByRole('link', { name: 'checkout-service' }),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'ledger-service' }),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'storefront-web' }),
  ).toBeVisible();
});

test('the Platform sidebar item opens the platform page', async ({ page }) => {
  await signInAsGuest(page);

  await sidebar(page)
    .getByRole('link', { name: 'Platform', exact: true })
    .click();

  await expect(page).toHaveURL(/\/platform(\/catalog)?$/);
  await expect(page.getByRole('heading', { name: 'Platform' })).toBeVisible();
  await expect(
    page.getByText('No orchestration engine registered'),
  ).toBeVisible();
});
