import { screen, waitFor, within } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  registerMswTestHooks,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { PlatformResource } from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { platformEntityCard } from '../../alpha';
import {
  API,
  errorBody,
  makeResource,
  postgres,
} from '../../__testUtils__/fixtures';
import {
  createSignalMock,
  platformClient,
  renderPlatform,
  testRoutes,
} from '../../__testUtils__/render';
import { EntityPlatformCard } from './EntityPlatformCard';
import { EntityPlatformContent } from './EntityPlatformContent';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout-service', namespace: 'default' },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

describe('entity extensions', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  let items: PlatformResource[];
  let queries: URLSearchParams[];

  beforeEach(() => {
    items = [
      makeResource(),
      makeResource({
        id: 'res-2',
        name: 'orders-cache',
        environment: 'staging',
      }),
    ];
    queries = [];
    server.use(
      http.get(`${API}/resources`, ({ request }) => {
        queries.push(new URL(request.url).searchParams);
        return HttpResponse.json({ items, totalCount: items.length });
      }),
      http.get(`${API}/capabilities`, () =>
        HttpResponse.json({ items: [postgres] }),
      ),
    );
  });

  const inEntity = (element: JSX.Element) => (
    <EntityProvider entity={entity}>{element}</EntityProvider>
  );

  it('the card lists the component’s resources and follows their status live', async () => {
    const signals = createSignalMock();
    renderPlatform(inEntity(<EntityPlatformCard />), { apis: [signals.pair] });

    const list = within(
      await screen.findByRole('list', { name: 'Platform resources' }),
    );
    const row = list.getByRole('link', { name: 'orders-db' }).closest('li')!;
    expect(within(row).getByTestId('phase-chip')).toHaveTextContent(
      'Provisioning',
    );
    expect(row).toHaveTextContent('PostgreSQL database · dev');
    expect(queries[0].getAll('component')).toEqual([
      'component:default/checkout-service',
    ]);
    expect(signals.channels()).toContain(
      'platform:entity:component:default/checkout-service',
    );

    items = [
      makeResource({ status: { phase: 'Ready', conditions: [] } }),
      items[1],
    ];
    signals.publish('platform:entity:component:default/checkout-service');
    await waitFor(() =>
      expect(
        within(
          screen.getByRole('link', { name: 'orders-db' }).closest('li')!,
        ).getByTestId('phase-chip'),
      ).toHaveTextContent('Ready'),
    );
  });

  it('the card offers the service catalog when there is nothing yet', async () => {
    items = [];
    renderPlatform(inEntity(<EntityPlatformCard />));
    expect(
      await screen.findByText(/No platform resources yet/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', {
        name: 'Request one from the service catalog',
      }),
    ).toHaveAttribute('href', '/platform/catalog');
  });

  it('the card reports errors', async () => {
    server.use(
      http.get(`${API}/resources`, () =>
        HttpResponse.json(errorBody('Error', 'no database'), { status: 500 }),
      ),
    );
    renderPlatform(inEntity(<EntityPlatformCard />));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not load the platform resources',
    );
  });

  it('the tab shows a table of resources', async () => {
    renderPlatform(inEntity(<EntityPlatformContent />));
    const table = within(
      await screen.findByRole('table', { name: 'Platform resources' }),
    );
    expect(table.getByRole('link', { name: 'orders-cache' })).toHaveAttribute(
      'href',
      '/platform/resources/res-2',
    );
    expect(table.getAllByTestId('phase-chip')).toHaveLength(2);
    expect(
      screen.getByRole('link', { name: 'Request a resource' }),
    ).toBeInTheDocument();
  });

  it('the tab shows progress, then an empty state with the next step', async () => {
    items = [];
    server.use(http.get(`${API}/resources`, () => delay('infinite')));
    const { unmount } = renderPlatform(inEntity(<EntityPlatformContent />));
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    unmount();

    server.resetHandlers();
    server.use(
      http.get(`${API}/resources`, () =>
        HttpResponse.json({ items: [], totalCount: 0 }),
      ),
      http.get(`${API}/capabilities`, () => HttpResponse.json({ items: [] })),
    );
    renderPlatform(inEntity(<EntityPlatformContent />));
    expect(
      await screen.findByText('No platform resources yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Request a resource' }),
    ).toHaveAttribute('href', '/platform/catalog');
  });

  it('the new frontend system card renders on a component page', async () => {
    renderTestApp({
      extensions: [createTestEntityPage({ entity }), platformEntityCard],
      apis: [[platformApiRef, platformClient()]],
      mountedRoutes: testRoutes,
    });
    expect(
      await screen.findByRole('link', { name: 'orders-db' }),
    ).toBeInTheDocument();
  });
});
