import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  registerMswTestHooks,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import platformPlugin from './alpha';
import { history, makeResource, postgres } from './__testUtils__/fixtures';
import { denying } from './__testUtils__/render';

describe('platform plugin (new frontend system)', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  beforeEach(() => {
    server.use(
      http.get(`*/api/platform/health`, () =>
        HttpResponse.json({ status: 'ok', engines: [] }),
      ),
      http.get(`*/api/platform/capabilities`, () =>
        HttpResponse.json({ items: [] }),
      ),
      http.get(`*/api/platform/capabilities/:ref`, () =>
        HttpResponse.json(postgres),
      ),
      http.get(`*/api/platform/fleet`, () =>
        HttpResponse.json({
          items: [
            {
              capabilityRef: postgres.ref,
              version: '15.6',
              phase: 'Ready',
              count: 2,
            },
          ],
        }),
      ),
      http.get(`*/api/platform/rollouts`, () =>
        HttpResponse.json({ items: [] }),
      ),
      http.get(`*/api/platform/resources`, () =>
        HttpResponse.json({ items: [makeResource()], totalCount: 1 }),
      ),
      http.get(`*/api/platform/resources/:id`, () =>
        HttpResponse.json(makeResource()),
      ),
      http.get(`*/api/platform/resources/:id/history`, () =>
        HttpResponse.json({ items: history }),
      ),
      http.get(`*/api/platform/resources/:id/logs`, () =>
        HttpResponse.json({ items: [] }),
      ),
    );
  });

  it('provides the engine auth API and the scaffolder credentials field', () => {
    const api = platformPlugin.getExtension('api:platform/engine-auth');
    expect(api).toHaveProperty('attachTo', { id: 'root', input: 'apis' });
    const field = platformPlugin.getExtension(
      'scaffolder-form-field:platform/engine-credentials',
    );
    // The scaffolder plugin's form fields API collects it.
    expect(field).toHaveProperty('attachTo', {
      id: 'api:scaffolder/form-fields',
      input: 'formFields',
    });
  });

  it('shows the Platform page with its tabs under its sidebar item', async () => {
    renderTestApp({
      features: [platformPlugin],
      initialRouteEntries: ['/platform'],
    });

    const sidebar = within(
      await screen.findByRole('navigation', { name: 'sidebar nav' }),
    );
    expect(sidebar.getByRole('link', { name: 'Platform' })).toHaveAttribute(
      'href',
      '/platform',
    );
    expect(
      await screen.findByText('No orchestration engine registered'),
    ).toBeInTheDocument();
    for (const [tab, href] of [
      ['Service catalog', '/platform/catalog'],
      ['Resources', '/platform/resources'],
      ['Golden paths', '/platform/golden-paths'],
      ['Fleet', '/platform/fleet'],
      ['Approvals', '/platform/approvals'],
    ]) {
      expect(screen.getByRole('tab', { name: tab })).toHaveAttribute(
        'href',
        href,
      );
    }
  });

  it('serves capability pages at /platform/capabilities/:ref', async () => {
    renderTestApp({
      features: [platformPlugin],
      initialRouteEntries: ['/platform/capabilities/local:postgresql'],
    });
    expect(
      await screen.findByRole('heading', { name: 'PostgreSQL database' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Inputs' })).toBeInTheDocument();
  });

  it('serves resource pages under the Resources tab', async () => {
    renderTestApp({
      features: [platformPlugin],
      initialRouteEntries: ['/platform/resources/res-1'],
    });
    expect(
      await screen.findByRole('heading', { name: 'orders-db' }),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('list', { name: 'Timeline' }),
    ).toBeInTheDocument();
  });

  // The only test of this file that checks the rollout permission:
  // usePermission caches decisions for the whole file.
  it('disables rollouts for people who may not start them', async () => {
    server.use(
      http.get(`*/api/platform/capabilities`, () =>
        HttpResponse.json({ items: [postgres] }),
      ),
    );
    renderTestApp({
      features: [platformPlugin],
      initialRouteEntries: ['/platform/fleet'],
      apis: [denying('platform.rollout.create')],
    });
    const fleet = within(
      await screen.findByRole('region', { name: 'PostgreSQL database' }),
    );
    const start = () =>
      fleet.getByRole('button', {
        name: 'Start rollout of PostgreSQL database',
      });
    await waitFor(() =>
      expect(start()).toHaveAccessibleDescription(
        'Only platform administrators can start rollouts',
      ),
    );
    expect(start()).toBeDisabled();
  });
});
