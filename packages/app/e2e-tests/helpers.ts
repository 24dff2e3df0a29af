import { APIRequestContext, expect, Page } from '@playwright/test';

/** Signs in with the guest provider, as a developer of team-storefront. */
export async function signInAsGuest(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    sidebar(page).getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
}

export function sidebar(page: Page) {
  return page.getByRole('navigation', { name: 'sidebar nav' });
}

/** The backend's base URL (the app is served by it in scripts/test). */
export function backendUrl(): string {
  return process.env.PLAYWRIGHT_BACKEND_URL ?? 'http://localhost:7007';
}

/** A guest token, the way the browser gets one. */
export async function guestToken(request: APIRequestContext): Promise<string> {
  const res = await request.get(`${backendUrl()}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  expect(res.ok()).toBeTruthy();
  return (await res.json()).backstageIdentity.token;
}

/** Calls the platform API as the guest. */
export async function platformApi(
  request: APIRequestContext,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  data?: unknown,
) {
  const token = await guestToken(request);
  const res = await request.fetch(`${backendUrl()}/api/platform${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}` },
    data,
  });
  return { status: res.status(), body: await res.json() };
}

/** A name no earlier run used. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(
    Math.random() * 1296,
  ).toString(36)}`;
}
