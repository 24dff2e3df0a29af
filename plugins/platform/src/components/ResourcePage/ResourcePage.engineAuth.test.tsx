import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import {
  Capability,
  ENGINE_AUTHORIZATION_HEADER,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { platformEngineAuthApiRef } from '../../engineAuth';
import {
  API,
  history,
  makeResource,
  postgres,
} from '../../__testUtils__/fixtures';
import { denying, renderPlatform } from '../../__testUtils__/render';
import { ResourcePage } from './ResourcePage';

/** A capability on a cluster that trusts the portal's Okta. */
const kubePostgres: Capability = {
  ...postgres,
  ref: 'kubernetes:postgresql',
  engine: 'kubernetes',
  userAuth: { provider: 'okta' },
};

type Sent = {
  method: string;
  path: string;
  engineAuthorization: string | null;
};

// Permission decisions are cached per resource for the whole file
// (usePermission uses SWR), so each test uses a resource id of its own.
describe('ResourcePage with engines that act as the user', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  let current: PlatformResource;
  let capability: Capability;
  let sent: Sent[];
  let getToken: jest.Mock;

  const record = (request: Request) =>
    sent.push({
      method: request.method,
      path: new URL(request.url).pathname.replace('/api/platform', ''),
      engineAuthorization: request.headers.get(ENGINE_AUTHORIZATION_HEADER),
    });

  beforeEach(() => {
    sent = [];
    getToken = jest.fn(async () => 'alice-id-token');
    server.use(
      http.get(`${API}/change-requests`, () =>
        HttpResponse.json({ items: [] }),
      ),
      http.get(`${API}/resources/:id`, () => HttpResponse.json(current)),
      http.get(`${API}/resources/:id/history`, () =>
        HttpResponse.json({ items: history }),
      ),
      http.get(`${API}/resources/:id/logs`, () =>
        HttpResponse.json({ items: [] }),
      ),
      http.get(`${API}/capabilities/:ref`, () => HttpResponse.json(capability)),
      http.post(`${API}/resources/:id/retry`, ({ request }) => {
        record(request);
        current = { ...current, pending: undefined };
        return HttpResponse.json(current, { status: 202 });
      }),
      http.patch(`${API}/resources/:id`, async ({ request }) => {
        record(request);
        const body = (await request.json()) as any;
        current = { ...current, spec: body.spec, generation: 3 };
        return HttpResponse.json(current);
      }),
      http.delete(`${API}/resources/:id`, ({ request }) => {
        record(request);
        current = {
          ...current,
          status: { phase: 'Deleting', conditions: [] },
        };
        return HttpResponse.json(current, { status: 202 });
      }),
    );
  });

  const render = (id: string, apis: any[] = []) =>
    renderPlatform(<ResourcePage />, {
      mountPath: '/platform/resources/:id',
      path: `/platform/resources/${id}`,
      apis: [[platformEngineAuthApiRef, { getToken }], ...apis],
    });

  // The button is re-created once the permission check is done, so find it
  // again until it is enabled.
  const enabledButton = async (name: string) => {
    await waitFor(() =>
      expect(screen.getByRole('button', { name })).toBeEnabled(),
    );
    return screen.getByRole('button', { name });
  };

  const awaitingCredentials = (id: string) =>
    makeResource({
      id,
      capabilityRef: kubePostgres.ref,
      engineRef: { cluster: 'prod-eu', namespace: 'team-a', name: 'orders' },
      pending: {
        action: 'apply',
        state: 'awaiting-credentials',
        attempts: 1,
      },
    });

  it('asks for the user’s credentials and retries with them', async () => {
    capability = kubePostgres;
    current = awaitingCredentials('res-awaiting');
    render('res-awaiting');

    const notice = await screen.findByRole('status', {
      name: 'Pending change',
    });
    expect(notice).toHaveTextContent(
      "Waiting for your credentials: the cluster prod-eu makes this change with the requester's own identity, and the platform holds no valid Okta token for it",
    );
    await userEvent.click(await enabledButton('Retry with my credentials'));

    expect(
      await screen.findByText(
        'The engine has the change now; the status follows its progress.',
      ),
    ).toBeInTheDocument();
    expect(getToken).toHaveBeenCalledWith('okta');
    expect(sent).toEqual([
      {
        method: 'POST',
        path: '/resources/res-awaiting/retry',
        engineAuthorization: 'Bearer alice-id-token',
      },
    ]);
    await waitFor(() =>
      expect(
        screen.queryByRole('status', { name: 'Pending change' }),
      ).not.toBeInTheDocument(),
    );
  });

  it('does not retry when the user declines to sign in', async () => {
    capability = kubePostgres;
    current = awaitingCredentials('res-declined');
    getToken.mockRejectedValue(new Error('Login failed, popup was closed'));
    render('res-declined');

    await userEvent.click(await enabledButton('Retry with my credentials'));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not get your Okta credentials (Login failed, popup was closed). Nothing was changed.',
    );
    expect(sent).toEqual([]);
  });

  it('explains why a viewer who may not change the resource cannot retry', async () => {
    capability = kubePostgres;
    current = awaitingCredentials('res-not-mine');
    render('res-not-mine', [denying('platform.resource.update')]);

    const retry = await screen.findByRole('button', {
      name: 'Retry with my credentials',
    });
    await waitFor(() =>
      expect(retry).toHaveAccessibleDescription(
        'You are not allowed to update this resource',
      ),
    );
    expect(retry).toBeDisabled();
  });

  it('shows an engine outage with its next attempt, and retries now', async () => {
    capability = postgres;
    const nextAttemptAt = '2024-05-01T10:05:00Z';
    current = makeResource({
      id: 'res-outage',
      pending: {
        action: 'delete',
        state: 'retrying',
        attempts: 3,
        nextAttemptAt,
        message: 'connect ECONNREFUSED',
      },
    });
    render('res-outage');

    const notice = await screen.findByRole('status', {
      name: 'Pending change',
    });
    expect(notice).toHaveTextContent(
      `The engine could not be reached (attempt 3); next try at ${new Date(
        nextAttemptAt,
      ).toLocaleString()}: connect ECONNREFUSED`,
    );
    await userEvent.click(await enabledButton('Retry now'));

    await waitFor(() => expect(sent).toHaveLength(1));
    // The capability acts with the platform's own identity: no user token.
    expect(sent[0]).toEqual({
      method: 'POST',
      path: '/resources/res-outage/retry',
      engineAuthorization: null,
    });
    expect(getToken).not.toHaveBeenCalled();
  });

  async function saveUpdate(id: string) {
    current = makeResource({ id, capabilityRef: capability.ref });
    render(id);
    await screen.findByRole('heading', { name: 'orders-db' });
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Update' })).toBeEnabled(),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Update' }));
    const dialog = within(await screen.findByRole('dialog'));
    fireEvent.change(dialog.getByLabelText('storageGb'), {
      target: { value: '50' },
    });
    await userEvent.click(dialog.getByRole('button', { name: 'Save' }));
    return dialog;
  }

  it('sends the user’s token with an update when the capability needs it', async () => {
    capability = kubePostgres;
    await saveUpdate('res-update-user');
    expect(
      await screen.findByText(
        'Saved as generation 3; the engine is applying it.',
      ),
    ).toBeInTheDocument();
    expect(getToken).toHaveBeenCalledWith('okta');
    expect(sent).toEqual([
      {
        method: 'PATCH',
        path: '/resources/res-update-user',
        engineAuthorization: 'Bearer alice-id-token',
      },
    ]);
  });

  it('sends no user token with an update otherwise', async () => {
    capability = postgres;
    await saveUpdate('res-update-platform');
    expect(
      await screen.findByText(
        'Saved as generation 3; the engine is applying it.',
      ),
    ).toBeInTheDocument();
    expect(getToken).not.toHaveBeenCalled();
    expect(sent).toEqual([
      {
        method: 'PATCH',
        path: '/resources/res-update-platform',
        engineAuthorization: null,
      },
    ]);
  });

  it('does not send an update when the user declines to sign in', async () => {
    capability = kubePostgres;
    getToken.mockRejectedValue(new Error('Login failed, rejected by user'));
    const dialog = await saveUpdate('res-update-declined');
    expect(await dialog.findByRole('alert')).toHaveTextContent(
      'Could not get your Okta credentials (Login failed, rejected by user). Nothing was changed.',
    );
    expect(sent).toEqual([]);
  });

  async function confirmDelete(id: string) {
    current = makeResource({ id, capabilityRef: capability.ref });
    render(id);
    await screen.findByRole('heading', { name: 'orders-db' });
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Delete' })).toBeEnabled(),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = within(await screen.findByRole('dialog'));
    fireEvent.change(dialog.getByLabelText('Resource name'), {
      target: { value: 'orders-db' },
    });
    await userEvent.click(dialog.getByRole('button', { name: 'Delete' }));
  }

  it('sends the user’s token with a deletion when the capability needs it', async () => {
    capability = kubePostgres;
    await confirmDelete('res-delete-user');
    expect(
      await screen.findByText(
        'Deletion started; the status follows its progress.',
      ),
    ).toBeInTheDocument();
    expect(sent).toEqual([
      {
        method: 'DELETE',
        path: '/resources/res-delete-user',
        engineAuthorization: 'Bearer alice-id-token',
      },
    ]);
  });

  it('sends no user token with a deletion otherwise', async () => {
    capability = postgres;
    await confirmDelete('res-delete-platform');
    expect(
      await screen.findByText(
        'Deletion started; the status follows its progress.',
      ),
    ).toBeInTheDocument();
    expect(getToken).not.toHaveBeenCalled();
    expect(sent).toEqual([
      {
        method: 'DELETE',
        path: '/resources/res-delete-platform',
        engineAuthorization: null,
      },
    ]);
  });
});
