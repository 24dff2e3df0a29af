import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Route, Routes } from 'react-router-dom';
import {
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { platformApiRef } from './api';
import { EntityPlatformCard, PlatformPage } from './plugin';
import { rootRouteRef } from './routes';
import { API, makeResource, postgres } from './__testUtils__/fixtures';
import { platformClient } from './__testUtils__/render';

describe('legacy frontend system extensions', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const mountedRoutes = {
    '/platform': rootRouteRef,
    '/catalog/:namespace/:kind/:name': entityRouteRef,
  };

  beforeEach(() => {
    server.use(
      http.get(`${API}/health`, () =>
        HttpResponse.json({
          status: 'ok',
          engines: [{ id: 'local', title: 'Local engine' }],
        }),
      ),
      http.get(`${API}/capabilities`, () =>
        HttpResponse.json({ items: [postgres] }),
      ),
      http.get(`${API}/fleet`, () => HttpResponse.json({ items: [] })),
      http.get(`${API}/resources`, () =>
        HttpResponse.json({ items: [makeResource()], totalCount: 1 }),
      ),
    );
  });

  it('PlatformPage renders the portal with header, tabs and routes', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[platformApiRef, platformClient()]]}>
        <Routes>
          <Route path="/platform/*" element={<PlatformPage />} />
        </Routes>
      </TestApiProvider>,
      { routeEntries: ['/platform'], mountedRoutes },
    );

    expect(
      screen.getByRole('heading', { name: 'Platform', level: 1 }),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('heading', { name: 'PostgreSQL database' }),
    ).toBeInTheDocument();
    expect(screen.getByText('Local engine')).toBeInTheDocument();
    expect(
      screen.getByRole('tab', { name: 'Service catalog' }),
    ).toHaveAttribute('aria-selected', 'true');

    await userEvent.click(screen.getByRole('tab', { name: 'Resources' }));
    expect(
      await screen.findByRole('table', { name: 'Resources' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Resources' })).toHaveAttribute(
      'aria-selected',
      'true',
    );
  });

  it('EntityPlatformCard renders a component’s resources', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[platformApiRef, platformClient()]]}>
        <EntityProvider
          entity={{
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'checkout-service' },
          }}
        >
          <EntityPlatformCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes },
    );
    const list = within(
      await screen.findByRole('list', { name: 'Platform resources' }),
    );
    expect(list.getByRole('link', { name: 'orders-db' })).toHaveAttribute(
      'href',
      '/platform/resources/res-1',
    );
  });
});
