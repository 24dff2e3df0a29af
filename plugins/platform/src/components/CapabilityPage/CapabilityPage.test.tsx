import { screen, within } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { Capability } from '@trellis/backstage-plugin-platform-common';
import {
  API,
  errorBody,
  makeResource,
  postgres,
} from '../../__testUtils__/fixtures';
import { renderPlatform } from '../../__testUtils__/render';
import { CapabilityPage } from './CapabilityPage';

describe('CapabilityPage', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const render = () =>
    renderPlatform(<CapabilityPage />, {
      mountPath: '/platform/capabilities/:ref',
      path: '/platform/capabilities/local:postgresql',
    });

  function serve(
    items = [makeResource()],
    totalCount = items.length,
    capability: Capability = postgres,
  ) {
    server.use(
      http.get(`${API}/capabilities/:ref`, ({ params }) =>
        params.ref === postgres.ref
          ? HttpResponse.json(capability)
          : HttpResponse.json(
              errorBody('NotFoundError', 'no such capability'),
              {
                status: 404,
              },
            ),
      ),
      http.get(`${API}/resources`, () =>
        HttpResponse.json({ items, totalCount }),
      ),
      http.get(`${API}/fleet`, () =>
        HttpResponse.json({
          items: [
            {
              capabilityRef: postgres.ref,
              version: '16.2',
              phase: 'Ready',
              count: 7,
            },
            {
              capabilityRef: postgres.ref,
              version: '15.6',
              phase: 'Ready',
              count: 2,
            },
          ],
        }),
      ),
    );
  }

  it('shows progress while loading', async () => {
    server.use(http.get(`${API}/*`, () => delay('infinite')));
    render();
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('documents the input schema: fields, types, required, defaults and allowed values', async () => {
    serve();
    render();
    expect(
      await screen.findByRole('heading', { name: 'PostgreSQL database' }),
    ).toBeInTheDocument();

    const inputs = within(screen.getByRole('table', { name: 'Inputs' }));
    const size = inputs.getByText('size').closest('tr')!;
    expect(size).toHaveTextContent('string');
    expect(size).toHaveTextContent('Yes');
    expect(size).toHaveTextContent(
      'How much CPU and memory the database gets.',
    );
    expect(
      within(size).getByLabelText('Allowed values of size'),
    ).toHaveTextContent('smallmediumlarge');

    const storage = inputs.getByText('storageGb').closest('tr')!;
    expect(storage).toHaveTextContent('integer');
    expect(storage).toHaveTextContent('No');
    expect(storage).toHaveTextContent('10');
    expect(storage).toHaveTextContent('1 to 1000');

    expect(
      inputs.getByText('highAvailability').closest('tr'),
    ).toHaveTextContent('boolean');
    expect(inputs.getByText('backup.schedule').closest('tr')).toHaveTextContent(
      '0 3 * * *',
    );
  });

  it('shows versions with their instance counts, the owner team and the instances', async () => {
    serve([makeResource()], 9);
    render();
    const versions = within(
      await screen.findByRole('list', { name: 'Versions' }),
    );
    expect(versions.getByText('16.2').closest('li')).toHaveTextContent(
      'current',
    );
    expect(versions.getByText('16.2').closest('li')).toHaveTextContent(
      '7 instances',
    );
    expect(versions.getByText('15.6').closest('li')).toHaveTextContent(
      '2 instances',
    );

    expect(screen.getByRole('link', { name: 'platform-team' })).toHaveAttribute(
      'href',
      '/catalog/default/group/platform-team',
    );
    expect(
      await screen.findByRole('link', { name: 'orders-db' }),
    ).toHaveAttribute('href', '/platform/resources/res-1');
    expect(
      screen.getByRole('link', { name: 'All 9 instances in the inventory' }),
    ).toHaveAttribute(
      'href',
      '/platform/resources?capability=local%3Apostgresql',
    );
  });

  it('says when changes are made with the user’s own identity', async () => {
    serve(undefined, undefined, {
      ...postgres,
      userAuth: { provider: 'okta' },
    });
    render();
    expect(
      await screen.findByText(
        "Changes to these instances are made with your own Okta identity, so the cluster's RBAC applies to you: the portal asks you to sign in with Okta when it needs to.",
      ),
    ).toBeInTheDocument();
  });

  it('says nothing about identities when the platform makes the changes', async () => {
    serve();
    render();
    await screen.findByRole('heading', { name: 'PostgreSQL database' });
    expect(screen.queryByText(/your own/)).not.toBeInTheDocument();
  });

  it('says when nobody requested the capability yet', async () => {
    serve([]);
    render();
    expect(
      await screen.findByText(/Nobody has requested PostgreSQL database yet/),
    ).toBeInTheDocument();
  });

  it('says when the capability does not exist', async () => {
    serve();
    renderPlatform(<CapabilityPage />, {
      mountPath: '/platform/capabilities/:ref',
      path: '/platform/capabilities/local:nope',
    });
    expect(await screen.findByText('Capability not found')).toBeInTheDocument();
  });

  it('shows server errors', async () => {
    server.use(
      http.get(`${API}/capabilities/:ref`, () =>
        HttpResponse.json(errorBody('Error', 'engine exploded'), {
          status: 500,
        }),
      ),
      http.get(`${API}/*`, () => delay('infinite')),
    );
    render();
    expect(
      await screen.findByText(/Could not load the capability/),
    ).toBeInTheDocument();
    expect(screen.getByText(/engine exploded/)).toBeInTheDocument();
  });
});
