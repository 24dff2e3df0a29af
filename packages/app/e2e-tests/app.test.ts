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

test('Enter on the sign-in page signs in, and the sidebar says Trellis', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Enter' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(
    sidebar(page).getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
  await expect(
    sidebar(page).getByRole('link', { name: 'Trellis home' }),
  ).toBeVisible();
});

test('the catalog lists the example entities', async ({ page }) => {
  await signInAsGuest(page);
  // All entities, not only the guest's team's.
  await page.goto('/catalog?filters%5Bkind%5D=component&filters%5Buser%5D=all');

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
  // The embedded local engine offers its example capabilities.
  await expect(page.getByRole('heading', { name: 'Database' })).toBeVisible();
  await expect(page.getByText('Local engine')).toBeVisible();
});
