import { renderInTestApp, TestApiPair } from '@backstage/frontend-test-utils';
import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { DevexClient } from '@trellis/backstage-plugin-devex-common';
import { devexApiRef } from '../api';
import { rootRouteRef } from '../routes';

/** Where the tests' devex API lives; msw handlers match below it. */
export const API = 'http://localhost:7007/api/devex';

export const groups = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: {
      name: 'team-storefront',
      namespace: 'default',
      title: 'Storefront',
    },
    spec: { type: 'team', children: [] },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'team-payments', namespace: 'default' },
    spec: { type: 'team', profile: { displayName: 'Payments' }, children: [] },
  },
];

/** The real client, talking to msw. */
export function devexClient() {
  return new DevexClient({
    discoveryApi: { getBaseUrl: async () => API },
    fetchApi: { fetch: (...args) => fetch(...args) },
  });
}

/** Renders a view the way the app mounts it, with the devex API and catalog groups. */
export function renderDevex(
  element: JSX.Element,
  options: { apis?: TestApiPair<any>[]; path?: string } = {},
) {
  return renderInTestApp(element, {
    apis: [
      [devexApiRef, devexClient()],
      catalogApiMock({ entities: groups }),
      ...(options.apis ?? []),
    ],
    mountedRoutes: { '/devex': convertLegacyRouteRef(rootRouteRef) },
    initialRouteEntries: options.path ? [options.path] : undefined,
  });
}

/** The CSV a download link holds, without the byte order mark. */
export function csvOf(link: HTMLElement): string {
  const href = link.getAttribute('href') ?? '';
  return decodeURIComponent(href.slice(href.indexOf(',') + 1)).replace(
    /^\uFEFF/,
    '',
  );
}
