import { expect, Page, test } from '@playwright/test';

/**
 * What a new user checks after following the README in a fresh app: the
 * Platform and DevEx pages render, and a request reaches Ready on the local
 * engine.
 */
const base = process.env.INSTALL_TEST_URL!;
const variant = process.env.INSTALL_TEST_VARIANT ?? 'new';

async function signIn(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  // create-app's legacy app signs the guest in automatically; the new one asks.
  const asked = await enter
    .waitFor({ state: 'visible', timeout: 20_000 })
    .then(() => true)
    .catch(() => false);
  if (asked) await enter.click();
}

async function guestToken(page: Page): Promise<string> {
  const res = await page.request.get(`${base}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  expect(res.ok()).toBeTruthy();
  return (await res.json()).backstageIdentity.token;
}

test(`the Platform pages render in a fresh ${variant} app`, async ({
  page,
}) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Platform' }).first().click();
  await expect(page).toHaveURL(/\/platform/);
  // The service catalog lists the example capabilities of the local engine.
  await expect(page.getByText('Database').first()).toBeVisible();
  for (const tab of ['Resources', 'Golden paths', 'Fleet']) {
    await page.getByRole('tab', { name: tab }).click();
    await expect(page.getByRole('tab', { name: tab })).toHaveAttribute(
      'aria-selected',
      'true',
    );
  }
});

test(`the DevEx page renders in a fresh ${variant} app`, async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'DevEx' }).first().click();
  await expect(page).toHaveURL(/\/devex/);
  for (const tab of ['Adoption', 'Golden paths', 'Service levels']) {
    await expect(page.getByRole('tab', { name: tab })).toBeVisible();
  }
});

test(`a request reaches Ready on the local engine in a fresh ${variant} app`, async ({
  page,
}) => {
  await signIn(page);
  const token = await guestToken(page);
  const name = `bucket-${Date.now().toString(36)}`;
  const created = await page.request.post(`${base}/api/platform/resources`, {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      capabilityRef: 'local:bucket',
      name,
      environment: 'dev',
      owner: 'group:default/guests',
      spec: {},
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = await created.json();

  await page.goto(`/platform/resources/${encodeURIComponent(id)}`);
  await expect(page.getByRole('heading', { name })).toBeVisible();
  // Live status: the page moves to Ready without a reload.
  await expect(page.getByRole('status', { name: 'Phase' })).toContainText(
    'Ready',
    { timeout: 120_000 },
  );
  const resource = await page.request.get(
    `${base}/api/platform/resources/${encodeURIComponent(id)}`,
    { headers: { Authorization: `Bearer ${token}` } },
  );
  expect((await resource.json()).status.phase).toBe('Ready');
});
