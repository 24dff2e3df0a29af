import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { discoveryApiRef } from '@backstage/core-plugin-api';
import { PlatformPage } from './plugin';
import { Route, Routes } from 'react-router-dom';

describe('PlatformPage (legacy frontend system)', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const discovery = {
    getBaseUrl: async (pluginId: string) =>
      `http://localhost:7007/api/${pluginId}`,
  };

  it('renders its title and the engines the platform API reports', async () => {
    server.use(
      http.get('*/api/platform/health', () =>
        HttpResponse.json({
          status: 'ok',
          engines: [{ id: 'local', title: 'Local engine' }],
        }),
      ),
    );

    await renderInTestApp(
      <TestApiProvider apis={[[discoveryApiRef, discovery]]}>
        <Routes>
          <Route path="/platform" element={<PlatformPage />} />
        </Routes>
      </TestApiProvider>,
      { routeEntries: ['/platform'] },
    );

    expect(
      screen.getByRole('heading', { name: 'Platform', level: 1 }),
    ).toBeInTheDocument();
    expect(await screen.findByText('Local engine')).toBeInTheDocument();
  });

  it('says so when the platform API cannot be reached', async () => {
    server.use(
      http.get('*/api/platform/health', () =>
        HttpResponse.json(
          { error: { name: 'Error', message: 'boom' } },
          { status: 503 },
        ),
      ),
    );

    await renderInTestApp(
      <TestApiProvider apis={[[discoveryApiRef, discovery]]}>
        <Routes>
          <Route path="/platform" element={<PlatformPage />} />
        </Routes>
      </TestApiProvider>,
      { routeEntries: ['/platform'] },
    );

    expect(
      await screen.findByText(/Platform API unavailable/),
    ).toBeInTheDocument();
  });
});
