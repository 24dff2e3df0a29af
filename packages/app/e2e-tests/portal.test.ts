import { test, expect, Page } from '@playwright/test';
import { platformApi, signInAsGuest, uniqueName } from './helpers';

const STOREFRONT = 'group:default/team-storefront';

async function requestBucket(
  request: Parameters<typeof platformApi>[0],
  environment = 'dev',
) {
  const name = uniqueName('bucket');
  const created = await platformApi(request, 'POST', '/resources', {
    capabilityRef: 'local:bucket',
    name,
    environment,
    owner: STOREFRONT,
    spec: { retentionDays: 7 },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; name: string };
}

async function phaseOf(page: Page) {
  return page.getByRole('status', { name: 'Phase' });
}

test('the service catalog lists capabilities and documents their schema', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/platform');
  await expect(page.getByRole('heading', { name: 'Database' })).toBeVisible();
  await expect(page.getByText('local:database')).toBeVisible();
  await page.getByRole('textbox', { name: 'Search capabilities' }).fill('git');
  await expect(page.getByRole('heading', { name: 'Database' })).toHaveCount(0);
  await expect(
    page.getByRole('heading', { name: 'Git repository' }),
  ).toBeVisible();

  await page
    .getByRole('link', { name: /Details/ })
    .first()
    .click();
  await expect(page).toHaveURL(
    /\/platform\/capabilities\/local(:|%3A)git-repository/,
  );
  await expect(page.getByText('defaultBranch').first()).toBeVisible();
  await expect(page.getByText('v1.1.0').first()).toBeVisible();
});

test('the inventory finds a resource whose page follows its status without a reload', async ({
  page,
  request,
}) => {
  const bucket = await requestBucket(request);
  await signInAsGuest(page);

  await page.goto('/platform/resources');
  await page.getByRole('textbox', { name: 'Search' }).fill(bucket.name);
  const row = page.getByRole('row').filter({ hasText: bucket.name });
  await expect(row).toHaveCount(1);
  await row.getByRole('link', { name: bucket.name }).click();

  await expect(page.getByRole('heading', { name: bucket.name })).toBeVisible();
  await expect(await phaseOf(page)).toContainText('Ready', { timeout: 30_000 });
  await expect(page.getByRole('table', { name: 'Spec' })).toContainText('7');

  // Someone else changes the spec; the open page follows without a reload.
  const updated = await platformApi(
    request,
    'PATCH',
    `/resources/${bucket.id}`,
    {
      spec: { retentionDays: 30 },
      generation: 1,
    },
  );
  expect(updated.status).toBe(200);
  await expect(page.getByRole('table', { name: 'Spec' })).toContainText('30', {
    timeout: 30_000,
  });
  await expect(await phaseOf(page)).toContainText('Ready', { timeout: 30_000 });
  await expect(page.getByRole('list', { name: 'Timeline' })).toContainText(
    'Updating',
  );
});

test('a developer may not delete a production resource, and is told why', async ({
  page,
  request,
}) => {
  const bucket = await requestBucket(request, 'production');
  await signInAsGuest(page);
  await page.goto(`/platform/resources/${bucket.id}`);
  await expect(page.getByRole('heading', { name: bucket.name })).toBeVisible();
  const remove = page.getByRole('button', { name: 'Delete' });
  await expect(remove).toBeDisabled();
  await expect(remove).toHaveAccessibleDescription(/production/i);
});

test('golden paths and the fleet show what the platform is used for', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/platform/golden-paths');
  await expect(
    page.getByText('Node.js service with a database').first(),
  ).toBeVisible();
  await expect(
    page.getByText('Add a database to an existing component').first(),
  ).toBeVisible();

  await page.goto('/platform/fleet');
  await expect(
    page.getByRole('table', { name: /by version and phase/ }).first(),
  ).toBeVisible({
    timeout: 30_000,
  });
  // Rollouts are for the platform team: the guest sees why it cannot start one.
  const start = page.getByRole('button', { name: 'Start rollout of Database' });
  await expect(start).toBeDisabled();
  await expect(start).toHaveAccessibleDescription(
    /administrators|platform team|not allowed/i,
  );
});
