import { test, expect } from '@playwright/test';
import { signInAsGuest, uniqueName } from './helpers';

test('a developer runs the Node.js golden path and finds the service with its Ready resources', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const name = uniqueName('gp');
  await signInAsGuest(page);

  await page.goto('/create');
  await page.getByRole('textbox', { name: 'Search' }).fill('Node.js service');
  await expect(page.getByText('Node.js service with a database')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Choose' })).toHaveCount(1);
  await page.getByRole('button', { name: 'Choose' }).click();

  await page.getByLabel('Name').first().fill(name);
  await page.getByLabel('Description').fill('Made by the e2e test');
  const owner = page.getByRole('textbox', { name: 'Owner' });
  await owner.click();
  await owner.fill('Storefront');
  await page
    .getByRole('option', { name: /team-storefront|Storefront/ })
    .first()
    .click();
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByText('The database')).toBeVisible();
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();

  // The task log shows provisioning as it happens.
  await page
    .getByRole('button', { name: /Show Logs/i })
    .click()
    .catch(() => {});
  await expect(
    page.getByText(`${name}: Provisioning → Ready`).first(),
  ).toBeVisible({
    timeout: 120_000,
  });
  await expect(
    page.getByText(`${name}-db: Provisioning → Ready`).first(),
  ).toBeVisible({
    timeout: 120_000,
  });
  await expect(page.getByRole('link', { name: 'The component' })).toBeVisible({
    timeout: 60_000,
  });

  // The new component is in the catalog with both resources, Ready.
  await page.goto(`/catalog/default/component/${name}`);
  const card2 = page
    .getByRole('region', { name: 'Platform' })
    .or(
      page
        .locator('section')
        .filter({ has: page.getByRole('heading', { name: 'Platform' }) }),
    )
    .first();
  await expect(card2.getByText(name, { exact: true })).toBeVisible({
    timeout: 60_000,
  });
  await expect(card2.getByText(`${name}-db`)).toBeVisible();
  await expect(card2.getByText('Ready')).toHaveCount(2);
});
