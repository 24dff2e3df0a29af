import { test, expect, Page } from '@playwright/test';
import { platformApi, signInAsGuest, uniqueName } from './helpers';

/**
 * The generated template of a capability whose schema has an optional object
 * with required fields inside: the example bucket's `replication` (it needs
 * `destination`, which needs `bucket`), shaped like the MongoDB Promise's
 * `prometheus`. The form must be submittable without it, and ask for its
 * fields only once the user opts in.
 */
const TEMPLATE = '/create/templates/default/request-local-bucket';

async function openTemplate(page: Page) {
  // The catalog picks the generated template up shortly after the start.
  await expect(async () => {
    await page.goto(TEMPLATE);
    await expect(page.getByLabel('Name').first()).toBeVisible({
      timeout: 30_000,
    });
  }).toPass({ timeout: 120_000 });
}

async function fillWhere(page: Page, name: string) {
  await page.getByLabel('Name').first().fill(name);
  // The picker selects the guest's only group by itself (and is then
  // disabled); otherwise pick it.
  const owner = page.getByRole('textbox', { name: 'Owner' });
  await expect(async () => {
    if (await owner.isDisabled()) {
      await expect(owner).toHaveValue(/Storefront|team-storefront/);
      return;
    }
    await owner.click();
    await owner.fill('Storefront');
    await page
      .getByRole('option', { name: /team-storefront|Storefront/ })
      .first()
      .click({ timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Next' }).click();
}

async function createAndWait(page: Page, name: string) {
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(
    page.getByText(new RegExp(`${name}\\s*\\(dev\\) is Ready`)).first(),
  ).toBeVisible({ timeout: 120_000 });
}

async function resourceNamed(page: Page, name: string) {
  const { status, body } = await platformApi(
    page.request,
    'GET',
    `/resources?capabilityRef=local:bucket&text=${encodeURIComponent(name)}`,
  );
  expect(status).toBe(200);
  const resource = body.items.find((r: { name: string }) => r.name === name);
  expect(resource).toBeDefined();
  return resource;
}

test('a generated form leaves an optional object out unless the user opts in', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signInAsGuest(page);

  // Without the optional object: nothing to fill in, nothing sent.
  const target = uniqueName('backups');
  await openTemplate(page);
  await fillWhere(page, target);
  const optIn = page.getByLabel('Set replication');
  await expect(optIn).toBeVisible();
  await expect(optIn).not.toBeChecked();
  await expect(page.getByRole('textbox', { name: /^bucket/ })).toHaveCount(0);
  await page.getByRole('button', { name: 'Review' }).click();
  await createAndWait(page, target);
  const plain = await resourceNamed(page, target);
  expect(plain.spec).not.toHaveProperty('replication');

  // Opting in shows its fields, and their required ones block the form.
  const source = uniqueName('reports');
  await openTemplate(page);
  await fillWhere(page, source);
  await page.getByLabel('Set replication').check();
  const destination = page.getByRole('textbox', { name: /^bucket/ });
  await expect(destination).toBeVisible();
  await page.getByRole('button', { name: 'Review' }).click();
  // Still on the Configuration page: the empty required field blocks it.
  await expect(page.getByRole('button', { name: 'Create' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Review' })).toBeVisible();

  await destination.fill(target);
  await page.getByRole('button', { name: 'Review' }).click();
  await createAndWait(page, source);
  const replicated = await resourceNamed(page, source);
  expect(replicated.spec.replication).toEqual({
    destination: { bucket: target },
  });
  expect(replicated.outputs).toMatchObject({
    replicatedTo: target,
    replicatedObjects: 0,
  });
});
