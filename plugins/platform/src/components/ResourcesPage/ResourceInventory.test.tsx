import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { PlatformResource } from '@trellis/backstage-plugin-platform-common';
import {
  API,
  errorBody,
  makeResource,
  postgres,
} from '../../__testUtils__/fixtures';
import { renderPlatform } from '../../__testUtils__/render';
import { ResourceInventory } from './ResourceInventory';

describe('ResourceInventory', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  let requests: URLSearchParams[];

  const page1 = [
    makeResource(),
    makeResource({
      id: 'res-2',
      name: 'payments-db',
      environment: 'production',
      status: { phase: 'Failed', conditions: [] },
    }),
  ];
  const page2 = [
    makeResource({
      id: 'res-3',
      name: 'zeta-db',
      status: { phase: 'Ready', conditions: [] },
    }),
  ];

  function serve(
    answer: (query: URLSearchParams) => {
      items: PlatformResource[];
      nextCursor?: string;
      totalCount: number;
    },
  ) {
    requests = [];
    server.use(
      http.get(`${API}/resources`, ({ request }) => {
        const query = new URL(request.url).searchParams;
        requests.push(query);
        return HttpResponse.json(answer(query));
      }),
      http.get(`${API}/capabilities`, () =>
        HttpResponse.json({ items: [postgres] }),
      ),
    );
  }

  const render = (path = '/platform/resources') =>
    renderPlatform(<ResourceInventory />, {
      mountPath: '/platform/resources',
      path,
    });

  it('shows progress while the first page loads', async () => {
    server.use(http.get(`${API}/*`, () => delay('infinite')));
    render();
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('lists a page of resources with phase chips, links and the total', async () => {
    serve(() => ({ items: page1, nextCursor: 'c2', totalCount: 100000 }));
    render();

    const table = within(
      await screen.findByRole('table', { name: 'Resources' }),
    );
    const row = table.getByText('payments-db').closest('tr')!;
    expect(
      within(row).getByRole('link', { name: 'payments-db' }),
    ).toHaveAttribute('href', '/platform/resources/res-2');
    expect(within(row).getByTestId('phase-chip')).toHaveTextContent('Failed');
    expect(
      within(row).getByRole('link', { name: 'PostgreSQL database' }),
    ).toHaveAttribute('href', '/platform/capabilities/local:postgresql');
    expect(
      within(row).getByRole('link', { name: 'checkout-service' }),
    ).toHaveAttribute('href', '/catalog/default/component/checkout-service');
    expect(screen.getByText('1–2 of 100,000')).toBeInTheDocument();
    expect(requests[0].get('limit')).toBe('50');
    expect(requests[0].get('orderBy')).toBe('updatedAt');
    expect(requests[0].get('order')).toBe('desc');
  });

  it('pages with the server cursor and goes back with Previous', async () => {
    serve(query =>
      query.get('cursor') === 'c2'
        ? { items: page2, totalCount: 3 }
        : { items: page1, nextCursor: 'c2', totalCount: 3 },
    );
    render();
    await screen.findByText('1–2 of 3');

    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('zeta-db')).toBeInTheDocument();
    expect(screen.getByText('51–51 of 3')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next page' })).toBeDisabled();

    await userEvent.click(
      screen.getByRole('button', { name: 'Previous page' }),
    );
    expect(await screen.findByText('payments-db')).toBeInTheDocument();
    expect(requests.map(r => r.get('cursor'))).toEqual([null, 'c2', null]);
  });

  it('sends the filters in the URL to the server', async () => {
    serve(() => ({ items: page1, totalCount: 2 }));
    render(
      '/platform/resources?capability=local:postgresql&phase=Failed&phase=Ready&owner=team-a&environment=production&component=component:default/checkout-service&sort=name&order=asc',
    );
    await screen.findByText('payments-db');
    const query = requests[0];
    expect(query.getAll('capabilityRef')).toEqual(['local:postgresql']);
    expect(query.getAll('phase')).toEqual(['Failed', 'Ready']);
    expect(query.getAll('owner')).toEqual(['group:default/team-a']);
    expect(query.getAll('environment')).toEqual(['production']);
    expect(query.getAll('component')).toEqual([
      'component:default/checkout-service',
    ]);
    expect(query.get('orderBy')).toBe('name');
    expect(query.get('order')).toBe('asc');
    expect(screen.getByText('Component: checkout-service')).toBeInTheDocument();
  });

  it('searches once typing pauses and sorts on the server', async () => {
    serve(() => ({ items: page1, totalCount: 2 }));
    render();
    await screen.findByText('payments-db');

    const search = screen.getByLabelText('Search');
    fireEvent.change(search, { target: { value: 'ord' } });
    fireEvent.change(search, { target: { value: 'orders' } });
    await waitFor(() =>
      expect(requests.map(r => r.get('text'))).toContain('orders'),
    );
    expect(requests.map(r => r.get('text'))).not.toContain('ord');

    await userEvent.click(screen.getByRole('button', { name: 'Name' }));
    await waitFor(() =>
      expect(requests[requests.length - 1].get('orderBy')).toBe('name'),
    );
    expect(requests[requests.length - 1].get('order')).toBe('asc');
    expect(requests[requests.length - 1].get('text')).toBe('orders');
  });

  it('offers to clear filters when nothing matches', async () => {
    serve(query =>
      query.get('environment')
        ? { items: [], totalCount: 0 }
        : { items: page1, totalCount: 2 },
    );
    render('/platform/resources?environment=nowhere');
    expect(
      await screen.findByText('No resources match these filters'),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getAllByRole('button', { name: 'Clear filters' })[0],
    );
    expect(await screen.findByText('payments-db')).toBeInTheDocument();
  });

  it('points to the service catalog when there are no resources at all', async () => {
    serve(() => ({ items: [], totalCount: 0 }));
    render();
    expect(await screen.findByText('No resources yet')).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Browse the service catalog' }),
    ).toHaveAttribute('href', '/platform/catalog');
  });

  it('shows server errors', async () => {
    server.use(
      http.get(`${API}/resources`, () =>
        HttpResponse.json(errorBody('InputError', 'bad cursor'), {
          status: 400,
        }),
      ),
      http.get(`${API}/capabilities`, () => HttpResponse.json({ items: [] })),
    );
    render();
    expect(
      await screen.findByText(/Could not load resources/),
    ).toBeInTheDocument();
    expect(screen.getByText(/bad cursor/)).toBeInTheDocument();
  });
});
