import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  registerMswTestHooks,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import platformPlugin from './alpha';

describe('platform plugin (new frontend system)', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  it('shows the Platform page under its sidebar item', async () => {
    server.use(
      http.get('*/api/platform/health', () =>
        HttpResponse.json({ status: 'ok', engines: [] }),
      ),
    );

    renderTestApp({
      features: [platformPlugin],
      initialRouteEntries: ['/platform'],
    });

    expect(
      await screen.findByRole('link', { name: /Platform/ }),
    ).toHaveAttribute('href', '/platform');
    expect(
      await screen.findByText('No orchestration engine registered'),
    ).toBeInTheDocument();
  });
});
