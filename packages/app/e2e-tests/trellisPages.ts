import { APIRequestContext, expect, Page } from '@playwright/test';
import { platformApi, uniqueName } from './helpers';

/** A page of the Trellis portal, and how to tell it has loaded. */
export interface TrellisPage {
  name: string;
  path: string;
  ready: () => Promise<void>;
}

/**
 * Requests a database with a long name for a component of the guest's team
 * (so truncation and the entity tab have something to show) and waits until
 * it is Ready.
 */
export async function requestLongNamedDatabase(request: APIRequestContext) {
  const created = await platformApi(request, 'POST', '/resources', {
    capabilityRef: 'local:database',
    name: uniqueName('orders-reporting-replica-database'),
    environment: 'staging',
    owner: 'group:default/team-storefront',
    component: 'component:default/storefront-web',
    spec: { size: 'small', storageGb: 5 },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; name: string };
}

/** Every page Trellis adds to the portal, including its home page. */
export function trellisPages(
  page: Page,
  resource: { id: string; name: string },
): TrellisPage[] {
  return [
    {
      name: 'Home',
      path: '/',
      ready: () =>
        expect(
          page
            .getByRole('region', { name: 'Your resources' })
            .getByRole('link', { name: resource.name }),
        ).toBeVisible(),
    },
    {
      name: 'Service catalog',
      path: '/platform/catalog',
      ready: () =>
        expect(page.getByRole('heading', { name: 'Database' })).toBeVisible(),
    },
    {
      name: 'Capability',
      path: '/platform/capabilities/local:database',
      ready: () => expect(page.getByText('storageGb').first()).toBeVisible(),
    },
    {
      name: 'Resources',
      path: '/platform/resources',
      ready: () => expect(page.getByRole('row').nth(1)).toBeVisible(),
    },
    {
      name: 'Resource',
      path: `/platform/resources/${resource.id}`,
      ready: async () => {
        await expect(
          page.getByRole('heading', { name: resource.name }),
        ).toBeVisible();
        await expect(page.getByRole('status', { name: 'Phase' })).toContainText(
          'Ready',
          { timeout: 30_000 },
        );
      },
    },
    {
      name: 'Golden paths',
      path: '/platform/golden-paths',
      ready: () =>
        expect(
          page.getByText('Node.js service with a database').first(),
        ).toBeVisible(),
    },
    {
      name: 'Fleet',
      path: '/platform/fleet',
      ready: () => expect(page.getByRole('table').first()).toBeVisible(),
    },
    {
      name: 'Component Platform tab',
      path: '/catalog/default/component/storefront-web/platform',
      ready: () =>
        expect(
          page.getByRole('link', { name: resource.name }).first(),
        ).toBeVisible(),
    },
    {
      // With scripts/start's demo history (devex-backend src/demo) the
      // figures; in the e2e run (no demo history) the empty state that names
      // the delivery sources. Either way the loaded page.
      name: 'DevEx Delivery tab',
      path: '/devex/delivery?range=90',
      ready: () =>
        expect(
          page
            .locator('p[aria-label="Deployment frequency"]')
            .or(page.getByRole('status').filter({ hasText: /^No / }))
            .first(),
        ).toBeVisible({ timeout: 30_000 }),
    },
    {
      name: 'DevEx Team tab',
      path: '/devex/team?range=90&team=group:default/team-search',
      ready: async () => {
        await expect(
          page.getByRole('region', { name: 'Delivery' }),
        ).toBeVisible({ timeout: 30_000 });
        await expect(page.getByLabel(/^Loading /)).toHaveCount(0);
      },
    },
  ];
}
