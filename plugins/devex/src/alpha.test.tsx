import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  registerMswTestHooks,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import devexPlugin from './alpha';
import { adoption, goldenPaths } from './__testUtils__/fixtures';
import { groups } from './__testUtils__/render';

describe('devex plugin (new frontend system)', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  beforeEach(() => {
    window.sessionStorage.clear();
    server.use(
      http.get('*/api/devex/metrics/adoption', () =>
        HttpResponse.json(adoption),
      ),
      http.get('*/api/devex/metrics/golden-paths', () =>
        HttpResponse.json(goldenPaths),
      ),
      http.post('*/api/devex/analytics', () =>
        HttpResponse.json({ accepted: 0, duplicates: 0, rejected: [] }),
      ),
    );
  });

  it('adds its analytics implementation to the app analytics API', () => {
    expect(devexPlugin.getExtension('analytics:devex')).toHaveProperty(
      'attachTo',
      { id: 'api:app/analytics', input: 'implementations' },
    );
    expect(devexPlugin.getExtension('entity-card:devex/team')).toBeDefined();
  });

  it('shows the DevEx page with its tabs under its sidebar item', async () => {
    renderTestApp({
      features: [devexPlugin],
      initialRouteEntries: ['/devex'],
      apis: [catalogApiMock({ entities: groups })],
    });
    const sidebar = within(
      await screen.findByRole('navigation', { name: 'sidebar nav' }),
    );
    expect(sidebar.getByRole('link', { name: 'DevEx' })).toHaveAttribute(
      'href',
      '/devex',
    );
    for (const [tab, href] of [
      ['Adoption', '/devex/adoption'],
      ['Golden paths', '/devex/golden-paths'],
      ['Service levels', '/devex/service-levels'],
    ]) {
      expect(await screen.findByRole('tab', { name: tab })).toHaveAttribute(
        'href',
        href,
      );
    }
    expect(
      await screen.findByRole('table', { name: 'Weekly cohort retention' }),
    ).toBeInTheDocument();
  });

  it('keeps the chosen range when the user switches tabs', async () => {
    renderTestApp({
      features: [devexPlugin],
      initialRouteEntries: ['/devex/adoption?range=7'],
      apis: [catalogApiMock({ entities: groups })],
    });
    await screen.findByRole('table', { name: 'Weekly cohort retention' });
    await userEvent.click(
      await screen.findByRole('tab', { name: 'Golden paths' }),
    );
    expect(
      await screen.findByRole(
        'table',
        { name: 'By template' },
        { timeout: 20_000 },
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('combobox', { name: 'Date range' }),
    ).toHaveTextContent('Last 7 days');
  });
});
