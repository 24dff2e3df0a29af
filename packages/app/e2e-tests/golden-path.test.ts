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
  // The guest belongs to one team: the form has chosen it already.
  await expect(page.getByRole('textbox', { name: 'Owner' })).toHaveValue(
    'Storefront',
  );
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

  // The new component is in the catalog with both resources, Ready. The
  // catalog ingests the registered location in the background: reload until
  // it has.
  await expect(async () => {
    await page.goto(`/catalog/default/component/${name}/platform`);
    await expect(page.getByRole('link', { name: `${name}-db` })).toBeVisible({
      timeout: 5_000,
    });
  }).toPass({ timeout: 120_000 });
  const resources = page.getByRole('row').filter({ hasText: name });
  await expect(resources).toHaveCount(2);
  await expect(resources.filter({ hasText: 'Ready' })).toHaveCount(2, {
    timeout: 60_000,
  });
});
