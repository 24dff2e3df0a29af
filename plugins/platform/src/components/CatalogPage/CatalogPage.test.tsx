import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { API, errorBody, postgres, queue } from '../../__testUtils__/fixtures';
import { renderPlatform } from '../../__testUtils__/render';
import { CatalogPage } from './CatalogPage';

describe('CatalogPage', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const engines = [{ id: 'local', title: 'Local engine' }];

  function serve(options: {
    capabilities?: unknown[];
    engines?: unknown[];
    capabilityStatus?: number;
  }) {
    server.use(
      http.get(`${API}/capabilities`, () =>
        options.capabilityStatus
          ? HttpResponse.json(errorBody('Error', 'database is down'), {
              status: options.capabilityStatus,
            })
          : HttpResponse.json({ items: options.capabilities ?? [] }),
      ),
      http.get(`${API}/health`, () =>
        HttpResponse.json({
          status: 'ok',
          engines: options.engines ?? engines,
        }),
      ),
      http.get(`${API}/fleet`, () =>
        HttpResponse.json({
          items: [
            {
              capabilityRef: postgres.ref,
              version: '16.2',
              phase: 'Ready',
              count: 3,
            },
            {
              capabilityRef: postgres.ref,
              version: '15.6',
              phase: 'Failed',
              count: 1,
            },
            {
              capabilityRef: postgres.ref,
              version: '16.2',
              phase: 'Deleted',
              count: 9,
            },
          ],
        }),
      ),
    );
  }

  it('shows progress while the capabilities load', async () => {
    server.use(
      http.get(`${API}/capabilities`, () => delay('infinite')),
      http.get(`${API}/health`, () => delay('infinite')),
      http.get(`${API}/fleet`, () => delay('infinite')),
    );
    renderPlatform(<CatalogPage />);
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('lists capabilities with engine, version, availability, instances and a Request button', async () => {
    serve({ capabilities: [postgres, queue] });
    renderPlatform(<CatalogPage />);

    const card = (
      await screen.findByRole('heading', { name: 'PostgreSQL database' })
    ).closest('article')!;
    const postgresCard = within(card as HTMLElement);
    expect(
      postgresCard.getByText(/engine local · version 16\.2/),
    ).toBeInTheDocument();
    expect(postgresCard.getByText('Available')).toBeInTheDocument();
    expect(
      await postgresCard.findByRole('link', { name: '4 instances' }),
    ).toHaveAttribute(
      'href',
      '/platform/resources?capability=local%3Apostgresql',
    );
    expect(
      postgresCard.getByRole('link', { name: 'Request PostgreSQL database' }),
    ).toHaveAttribute(
      'href',
      '/create/templates/default/request-local-postgresql',
    );
    expect(
      postgresCard.getByRole('link', {
        name: 'Details of PostgreSQL database',
      }),
    ).toHaveAttribute('href', '/platform/capabilities/local:postgresql');

    const queueCard = within(
      screen
        .getByRole('heading', { name: 'Message queue' })
        .closest('article') as HTMLElement,
    );
    expect(queueCard.getByText('Unavailable')).toBeInTheDocument();
    expect(
      queueCard.getByText('The Kratix cluster is unreachable', {
        selector: 'p',
      }),
    ).toBeInTheDocument();
    const request = queueCard.getByRole('link', {
      name: 'Request Message queue',
    });
    expect(request).toHaveAttribute('aria-disabled', 'true');
    expect(request).toHaveAccessibleDescription(
      'The Kratix cluster is unreachable',
    );
    expect(request).toHaveAttribute(
      'href',
      '/create/templates/default/request-kratix-rabbitmq-messaging',
    );

    expect(screen.getByText('Local engine')).toBeInTheDocument();
  });

  it('filters by search text and says when nothing matches', async () => {
    serve({ capabilities: [postgres, queue] });
    renderPlatform(<CatalogPage />);
    const search = await screen.findByLabelText('Search capabilities');

    fireEvent.change(search, { target: { value: 'messaging' } });
    expect(screen.getByText('1 of 2 capabilities')).toBeInTheDocument();
    expect(
      screen.queryByRole('heading', { name: 'PostgreSQL database' }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'Message queue' }),
    ).toBeInTheDocument();

    fireEvent.change(search, { target: { value: 'nosuchthing' } });
    expect(
      screen.getByText('No capabilities match “nosuchthing”'),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Clear search' }));
    expect(screen.getByText('2 capabilities')).toBeInTheDocument();
  });

  it('keeps the search in the URL, so a shared link opens filtered', async () => {
    serve({ capabilities: [postgres, queue] });
    renderPlatform(<CatalogPage />, { path: '/?q=messaging' });

    const search = await screen.findByLabelText('Search capabilities');
    expect(search).toHaveValue('messaging');
    expect(screen.getByText('1 of 2 capabilities')).toBeInTheDocument();
    expect(
      screen.queryByRole('heading', { name: 'PostgreSQL database' }),
    ).not.toBeInTheDocument();
  });

  it('says "1 capability", not "1 capabilities"', async () => {
    serve({ capabilities: [postgres] });
    renderPlatform(<CatalogPage />);
    expect(await screen.findByText('1 capability')).toBeInTheDocument();
  });

  it('explains an empty catalog when no engine is registered', async () => {
    serve({ capabilities: [], engines: [] });
    renderPlatform(<CatalogPage />);
    expect(
      await screen.findByText('No orchestration engine registered'),
    ).toBeInTheDocument();
  });

  it('explains an empty catalog when the engines offer nothing', async () => {
    serve({ capabilities: [] });
    renderPlatform(<CatalogPage />);
    expect(
      await screen.findByText('No capabilities offered yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Check again' }),
    ).toBeInTheDocument();
  });

  it('says so when the platform API fails', async () => {
    serve({ capabilityStatus: 503 });
    renderPlatform(<CatalogPage />);
    expect(
      await screen.findByText(/Platform API unavailable/),
    ).toBeInTheDocument();
    expect(screen.getByText(/database is down/)).toBeInTheDocument();
  });
});
