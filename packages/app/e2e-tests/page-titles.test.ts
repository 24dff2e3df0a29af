import { expect, test } from '@playwright/test';
import { signInAsGuest } from './helpers';
import { requestLongNamedDatabase } from './trellisPages';

test('the browser tab names each Trellis page, with a long resource name in full', async ({
  page,
  request,
}) => {
  const resource = await requestLongNamedDatabase(request);
  await signInAsGuest(page);

  await page.goto(`/platform/resources/${resource.id}`);
  await expect(
    page.getByRole('heading', { name: resource.name }),
  ).toBeVisible();
  await expect(page).toHaveTitle(
    `${resource.name} (staging) | Resources | Platform | Trellis`,
  );

  // Moving within the app renames the tab too.
  await page.getByRole('tab', { name: 'Fleet' }).click();
  await expect(page).toHaveTitle('Fleet | Platform | Trellis');

  for (const [path, title] of [
    ['/platform/catalog', 'Service catalog | Platform | Trellis'],
    [
      '/platform/capabilities/local:database',
      'Database | Service catalog | Platform | Trellis',
    ],
    ['/platform/resources', 'Resources | Platform | Trellis'],
    ['/platform/golden-paths', 'Golden paths | Platform | Trellis'],
  ]) {
    await page.goto(path);
    await expect(page).toHaveTitle(title);
  }
});
