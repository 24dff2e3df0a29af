import { APIRequestContext, expect, Page, test } from '@playwright/test';
import { backendUrl, platformApi, signInAsGuest, uniqueName } from './helpers';

/*
 * People in the loop (issue 13, item 3): an agent with its own static token
 * (a service principal, app-config.e2e.yaml) deletes a production resource;
 * the delete becomes a change request, visible in the inbox and on the
 * resource page; a person approves it in the portal and it runs, or rejects
 * it and it never does. With TRELLIS_SCREENSHOTS=1 it also refreshes
 * docs/screenshots/approvals-*.png in light and dark.
 */

const AGENT_TOKEN = 'e2e-agent-token-not-a-secret';
const STOREFRONT = 'group:default/team-storefront';

async function productionBucket(request: APIRequestContext) {
  const name = uniqueName('approve');
  const created = await platformApi(request, 'POST', '/resources', {
    capabilityRef: 'local:bucket',
    name,
    environment: 'production',
    owner: STOREFRONT,
    spec: { retentionDays: 7 },
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  await expect
    .poll(
      async () =>
        (
          await platformApi(request, 'GET', `/resources/${id}`)
        ).body.status?.phase,
      { timeout: 60_000 },
    )
    .toBe('Ready');
  return { id, name };
}

/** The agent asks for the delete, with its own token, as an MCP tool would. */
async function agentDeletes(request: APIRequestContext, id: string) {
  const res = await request.fetch(
    `${backendUrl()}/api/platform/resources/${id}`,
    {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${AGENT_TOKEN}` },
    },
  );
  expect(res.status()).toBe(202);
  const body = await res.json();
  expect(body.changeRequest).toBeDefined();
  expect(body.changeRequest.status).toBe('pending');
  expect(body.changeRequest.reasons).toContain('service-principal');
  return body.changeRequest as { id: string };
}

async function shoot(page: Page, name: string, ready: RegExp) {
  if (!process.env.TRELLIS_SCREENSHOTS) return;
  for (const theme of ['light', 'dark']) {
    await page.evaluate(t => window.localStorage.setItem('theme', t), theme);
    await page.reload();
    // The page loads lazily after the reload: wait for its heading.
    await expect(page.getByRole('heading', { name: ready })).toBeVisible();
    await page.waitForLoadState('networkidle');
    await page.screenshot({
      path: `docs/screenshots/approvals-${name}-${theme}.png`,
    });
  }
  await page.evaluate(() => window.localStorage.removeItem('theme'));
  await page.reload();
  await expect(page.getByRole('heading', { name: ready })).toBeVisible();
}

test('an agent’s production delete waits for a person, who approves it in the portal', async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  const bucket = await productionBucket(request);
  const changeRequest = await agentDeletes(request, bucket.id);

  // Not executed: the resource is still there and Ready.
  const still = await platformApi(request, 'GET', `/resources/${bucket.id}`);
  expect(still.status).toBe(200);
  expect(still.body.status.phase).toBe('Ready');

  await signInAsGuest(page);
  await page.goto('/platform/approvals');
  await expect(page.getByRole('tab', { name: 'Waiting for me' })).toBeVisible();
  const row = page
    .getByRole('row')
    .filter({ hasText: `Request ${changeRequest.id}` });
  await expect(row).toContainText(bucket.name);
  await expect(row).toContainText('production');
  await expect(row).toContainText('Made by a service');
  await shoot(page, 'inbox', /^Approvals$/);

  // The resource page says what waits.
  await page.goto(`/platform/resources/${bucket.id}`);
  const banner = page.getByRole('status', { name: 'Waiting for approval' });
  await expect(banner).toContainText(/Delete requested by .*trellis-agent/);
  await banner
    .getByRole('link', { name: `Change request ${changeRequest.id}` })
    .click();

  await expect(
    page.getByRole('heading', { name: `Change request ${changeRequest.id}` }),
  ).toBeVisible();
  await expect(
    page.getByRole('note', { name: 'Destructive change' }),
  ).toContainText('cannot be undone');
  await shoot(page, 'request', /^Change request/);

  await page.getByRole('button', { name: 'Approve' }).click();
  const dialog = page.getByRole('dialog');
  await dialog
    .getByLabel('Comment (optional)')
    .fill('Checked with team-storefront');
  await dialog.getByRole('button', { name: 'Approve' }).click();
  await expect(
    page.getByRole('status', { name: 'Request status' }),
  ).toContainText('Approved');

  // The approved delete runs through the normal path: the resource goes away.
  await expect
    .poll(
      async () => {
        const { status, body } = await platformApi(
          request,
          'GET',
          `/resources/${bucket.id}`,
        );
        return status === 404 ? 'gone' : body.status?.phase;
      },
      { timeout: 60_000 },
    )
    .toMatch(/gone|Deleted/);
});

test('a rejected change request never runs', async ({ page, request }) => {
  test.setTimeout(180_000);
  const bucket = await productionBucket(request);
  const changeRequest = await agentDeletes(request, bucket.id);

  await signInAsGuest(page);
  await page.goto(`/platform/approvals/${changeRequest.id}`);
  await page.getByRole('button', { name: 'Reject' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Reject' }).click();
  await expect(
    dialog.getByText('Say why you reject the change.'),
  ).toBeVisible();
  await dialog
    .getByLabel(/Comment \(required\)/)
    .fill('Agents do not delete production buckets');
  await dialog.getByRole('button', { name: 'Reject' }).click();
  await expect(
    page.getByRole('status', { name: 'Request status' }),
  ).toContainText('Rejected');
  await expect(
    page.getByRole('list', { name: 'Request timeline' }),
  ).toContainText('Agents do not delete production buckets');

  // Nothing ran: the bucket is still Ready, and its page shows no waiting request.
  await page.waitForTimeout(3_000);
  const { status, body } = await platformApi(
    request,
    'GET',
    `/resources/${bucket.id}`,
  );
  expect(status).toBe(200);
  expect(body.status.phase).toBe('Ready');
  await page.goto(`/platform/resources/${bucket.id}`);
  await expect(page.getByRole('heading', { name: bucket.name })).toBeVisible();
  await expect(
    page.getByRole('status', { name: 'Waiting for approval' }),
  ).toHaveCount(0);
});
