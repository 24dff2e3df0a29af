import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { PlatformResource } from '@trellis/backstage-plugin-platform-common';
import {
  API,
  errorBody,
  history,
  makeResource,
  postgres,
} from '../../__testUtils__/fixtures';
import {
  createSignalMock,
  denying,
  renderPlatform,
} from '../../__testUtils__/render';
import { ResourcePage } from './ResourcePage';

describe('ResourcePage', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  let current: PlatformResource;

  beforeEach(() => {
    current = makeResource();
    server.use(
      http.get(`${API}/change-requests`, () =>
        HttpResponse.json({ items: [] }),
      ),
      http.get(`${API}/resources/:id`, ({ params }) =>
        params.id === current.id
          ? HttpResponse.json(current)
          : HttpResponse.json(errorBody('NotFoundError', 'no such resource'), {
              status: 404,
            }),
      ),
      http.get(`${API}/resources/:id/history`, () =>
        HttpResponse.json({ items: history }),
      ),
      http.get(`${API}/resources/:id/logs`, () =>
        HttpResponse.json({
          items: [
            {
              pipeline: 'configure',
              step: 'create-database',
              status: 'Running',
              startedAt: '2024-05-01T10:00:00Z',
              output: 'creating database orders-db\n',
            },
          ],
        }),
      ),
      http.get(`${API}/capabilities/:ref`, () => HttpResponse.json(postgres)),
    );
  });

  const render = (options: { apis?: any[]; id?: string } = {}) =>
    renderPlatform(<ResourcePage />, {
      mountPath: '/platform/resources/:id',
      path: `/platform/resources/${options.id ?? 'res-1'}`,
      apis: options.apis,
    });

  it('shows progress while loading', async () => {
    server.use(http.get(`${API}/*`, () => delay('infinite')));
    render();
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('shows status, conditions, spec, details, timeline and pipeline logs', async () => {
    render();
    expect(
      await screen.findByRole('heading', { name: 'orders-db' }),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Phase')).toHaveTextContent('Provisioning');
    expect(screen.getByText(/Creating the database/)).toBeInTheDocument();

    const conditions = within(
      screen.getByRole('table', { name: 'Conditions' }),
    );
    expect(
      conditions.getByText('Waiting for the pipeline'),
    ).toBeInTheDocument();

    const spec = within(screen.getByRole('table', { name: 'Spec' }));
    expect(spec.getByText('storageGb').closest('tr')).toHaveTextContent('20');

    expect(screen.getByText(/No outputs yet/)).toBeInTheDocument();
    const details = within(screen.getByRole('table', { name: 'Details' }));
    expect(details.getByText('Owner').closest('tr')).toHaveTextContent(
      'team-a',
    );
    expect(details.getByText('Generation').closest('tr')).toHaveTextContent(
      '2 (applied)',
    );

    const timeline = within(
      await screen.findByRole('list', { name: 'Timeline' }),
    );
    expect(timeline.getByText('Requested')).toBeInTheDocument();
    expect(timeline.getByText(/Phase changed/)).toBeInTheDocument();

    expect(
      await screen.findByText('configure / create-database'),
    ).toBeInTheDocument();
    // Without the signals plugin the page says so and offers a refresh.
    expect(
      screen.getByText('Live updates are off in this app'),
    ).toBeInTheDocument();
  });

  it('updates the status when a signal arrives, without reloading', async () => {
    const signals = createSignalMock();
    render({ apis: [signals.pair] });
    await screen.findByRole('heading', { name: 'orders-db' });
    expect(screen.getByLabelText('Phase')).toHaveTextContent('Provisioning');
    expect(screen.getByText('Live')).toBeInTheDocument();
    expect(signals.channels()).toContain('platform:resource:res-1');

    current = makeResource({
      status: { phase: 'Ready', conditions: [] },
      outputs: {
        host: 'orders-db.internal',
        url: 'https://orders-db.example.com',
      },
      readyAt: '2024-05-01T10:02:00Z',
      updatedAt: '2024-05-01T10:02:00Z',
    });
    signals.publish('platform:resource:res-1');

    await waitFor(() =>
      expect(screen.getByLabelText('Phase')).toHaveTextContent('Ready'),
    );
    expect(await screen.findByText('orders-db.internal')).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Copy host' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'https://orders-db.example.com' }),
    ).toBeInTheDocument();
  });

  it('reads only the resource on a signal, and the history and logs only when it changed', async () => {
    const reads = { resource: 0, history: 0, logs: 0 };
    server.events.on('request:start', ({ request }) => {
      const path = new URL(request.url).pathname;
      if (path.endsWith('/resources/res-1')) reads.resource += 1;
      if (path.endsWith('/history')) reads.history += 1;
      if (path.endsWith('/logs')) reads.logs += 1;
    });
    const signals = createSignalMock();
    render({ apis: [signals.pair] });
    await screen.findByRole('heading', { name: 'orders-db' });
    await screen.findByText('configure / create-database');
    await waitFor(() =>
      expect(reads).toEqual({ resource: 1, history: 1, logs: 1 }),
    );

    // Nothing new: one read of the resource, nothing else.
    signals.publish('platform:resource:res-1');
    await waitFor(() => expect(reads.resource).toBe(2));

    current = makeResource({
      status: { phase: 'Ready', conditions: [] },
      updatedAt: '2024-05-01T10:02:00Z',
    });
    signals.publish('platform:resource:res-1');
    await waitFor(() =>
      expect(screen.getByLabelText('Phase')).toHaveTextContent('Ready'),
    );
    await waitFor(() =>
      expect(reads).toEqual({ resource: 3, history: 2, logs: 2 }),
    );
    server.events.removeAllListeners();
  });

  it('shows each answer under a stream of signals instead of waiting for the last', async () => {
    const signals = createSignalMock();
    render({ apis: [signals.pair] });
    await screen.findByRole('heading', { name: 'orders-db' });

    const answers: Array<() => void> = [];
    let served = 0;
    server.use(
      http.get(`${API}/resources/:id`, async () => {
        served += 1;
        const phase = served === 1 ? 'Updating' : 'Ready';
        await new Promise<void>(resolve => answers.push(resolve));
        return HttpResponse.json(
          makeResource({ status: { phase, conditions: [] } }),
        );
      }),
    );
    signals.publish('platform:resource:res-1');
    await waitFor(() => expect(answers).toHaveLength(1));
    // More signals while the read is in flight: they queue one more read.
    signals.publish('platform:resource:res-1');
    signals.publish('platform:resource:res-1');
    answers[0]();
    await waitFor(() =>
      expect(screen.getByLabelText('Phase')).toHaveTextContent('Updating'),
    );
    await waitFor(() => expect(answers).toHaveLength(2));
    answers[1]();
    await waitFor(() =>
      expect(screen.getByLabelText('Phase')).toHaveTextContent('Ready'),
    );
    expect(served).toBe(2);
  });

  // usePermission caches decisions per resource (SWR), so each permission
  // test uses a resource of its own.
  it('disables Delete with a reason when the viewer may not delete', async () => {
    current = makeResource({ id: 'res-denied' });
    render({ id: 'res-denied', apis: [denying('platform.resource.delete')] });
    await screen.findByRole('heading', { name: 'orders-db' });
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Delete' }),
      ).toHaveAccessibleDescription(
        'You are not allowed to delete this resource',
      ),
    );
    expect(screen.getByRole('button', { name: 'Delete' })).toBeDisabled();
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Update' })).toBeEnabled(),
    );
  });

  it('needs the production grant to change production resources', async () => {
    current = makeResource({ id: 'res-prod', environment: 'production' });
    render({
      id: 'res-prod',
      apis: [denying('platform.resource.production.change')],
    });
    await screen.findByRole('heading', { name: 'orders-db' });
    const reason =
      'Changing production resources needs the platform.resource.production.change permission';
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Delete' }),
      ).toHaveAccessibleDescription(reason),
    );
    expect(screen.getByRole('button', { name: 'Delete' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Update' })).toBeDisabled();
    expect(
      screen.getByRole('button', { name: 'Update' }),
    ).toHaveAccessibleDescription(reason);
  });

  it('asks for the name before deleting and shows a refusal in the dialog', async () => {
    let deletes = 0;
    server.use(
      http.delete(`${API}/resources/:id`, () => {
        deletes += 1;
        return HttpResponse.json(
          errorBody('NotAllowedError', 'production is frozen'),
          { status: 403 },
        );
      }),
    );
    render();
    await screen.findByRole('heading', { name: 'orders-db' });
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Delete' })).toBeEnabled(),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));

    const dialog = within(await screen.findByRole('dialog'));
    const confirm = dialog.getByRole('button', { name: 'Delete' });
    expect(confirm).toBeDisabled();
    fireEvent.change(dialog.getByLabelText('Resource name'), {
      target: { value: 'orders' },
    });
    expect(confirm).toBeDisabled();
    fireEvent.change(dialog.getByLabelText('Resource name'), {
      target: { value: 'orders-db' },
    });
    await userEvent.click(confirm);

    expect(await dialog.findByRole('alert')).toHaveTextContent(
      'You are not allowed to delete this resource. production is frozen',
    );
    expect(deletes).toBe(1);
  });

  it('shows a change request waiting on the resource, with a link to it', async () => {
    const waiting = {
      id: '42',
      operation: 'delete',
      status: 'pending',
      reasons: ['service-principal'],
      resource: {
        id: 'res-1',
        name: 'orders-db',
        capability: 'local:postgresql',
        environment: 'dev',
        owner: 'group:default/team-a',
      },
      change: {},
      requestedBy: 'external:trellis-agent',
      requestedByType: 'service',
      via: 'mcp',
      createdAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 50 * 3600 * 1000).toISOString(),
      message: 'Needs approval',
    };
    let pending = [waiting];
    server.use(
      http.get(`${API}/change-requests`, ({ request }) => {
        const query = new URL(request.url).searchParams;
        expect(query.get('resourceId')).toBe('res-1');
        expect(query.getAll('status')).toEqual(['pending']);
        return HttpResponse.json({ items: pending });
      }),
    );
    const signals = createSignalMock();
    render({ apis: [signals.pair] });
    const banner = await screen.findByRole('status', {
      name: 'Waiting for approval',
    });
    expect(banner).toHaveTextContent(
      'Delete requested by trellis-agent (service) via MCP agent, waiting for approval — expires in 2 days.',
    );
    expect(
      within(banner).getByRole('link', { name: 'Change request 42' }),
    ).toHaveAttribute('href', '/platform/approvals/42');

    // Decided elsewhere: the banner goes.
    pending = [];
    signals.publish('platform:approvals', {
      changeRequestId: '42',
      status: 'rejected',
    } as any);
    await waitFor(() =>
      expect(
        screen.queryByRole('status', { name: 'Waiting for approval' }),
      ).not.toBeInTheDocument(),
    );
  });

  it('says "Needs approval" when the viewer’s own delete becomes a change request', async () => {
    server.use(
      http.delete(`${API}/resources/:id`, () =>
        HttpResponse.json(
          {
            changeRequest: {
              id: '43',
              operation: 'delete',
              status: 'pending',
              reasons: ['policy'],
              resource: {
                id: 'res-1',
                name: 'orders-db',
                capability: 'local:postgresql',
                environment: 'dev',
                owner: 'group:default/team-a',
              },
              change: {},
              requestedBy: 'user:default/test',
              requestedByType: 'user',
              createdAt: new Date().toISOString(),
              expiresAt: new Date(Date.now() + 72 * 3600 * 1000).toISOString(),
              message: 'Needs approval: delete of orders-db (dev).',
            },
            message: 'Needs approval: delete of orders-db (dev).',
          },
          { status: 202 },
        ),
      ),
    );
    render();
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

    const notice = await screen.findByRole('status', {
      name: 'Needs approval',
    });
    expect(notice).toHaveTextContent('Needs approval: change request 43.');
    expect(
      within(notice).getByRole('link', { name: 'Open request' }),
    ).toHaveAttribute('href', '/platform/approvals/43');
    // Neither an error nor a success.
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.queryByText(/Deletion started/)).not.toBeInTheDocument();
  });

  it('reports a stale write clearly and reloads the latest generation', async () => {
    const patches: unknown[] = [];
    server.use(
      http.patch(`${API}/resources/:id`, async ({ request }) => {
        patches.push(await request.json());
        return HttpResponse.json(
          errorBody('ConflictError', 'generation 2 is stale'),
          { status: 409 },
        );
      }),
    );
    render();
    await screen.findByRole('heading', { name: 'orders-db' });
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Update' })).toBeEnabled(),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Update' }));

    const dialog = within(await screen.findByRole('dialog'));
    fireEvent.change(dialog.getByLabelText('storageGb'), {
      target: { value: '50' },
    });
    // Someone else changes the resource meanwhile.
    current = makeResource({
      generation: 3,
      spec: { size: 'medium', storageGb: 30 },
    });
    await userEvent.click(dialog.getByRole('button', { name: 'Save' }));

    expect(await dialog.findByRole('alert')).toHaveTextContent(
      'This resource changed since you opened it (generation 2). Reload to see the latest and apply your change again.',
    );
    expect(patches).toEqual([
      { spec: { size: 'small', storageGb: 50 }, generation: 2 },
    ]);

    await userEvent.click(dialog.getByRole('button', { name: 'Reload' }));
    expect(
      await dialog.findByText('Showing generation 3. Apply your change again.'),
    ).toBeInTheDocument();
    expect(dialog.getByLabelText('storageGb')).toHaveValue(30);
  });

  it('saves an update from the schema form', async () => {
    server.use(
      http.patch(`${API}/resources/:id`, async ({ request }) => {
        const body = (await request.json()) as any;
        current = makeResource({ spec: body.spec, generation: 3 });
        return HttpResponse.json(current);
      }),
    );
    render();
    await screen.findByRole('heading', { name: 'orders-db' });
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Update' })).toBeEnabled(),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Update' }));
    const dialog = within(await screen.findByRole('dialog'));
    await userEvent.click(dialog.getByLabelText('highAvailability'));
    await userEvent.click(dialog.getByRole('button', { name: 'Save' }));

    expect(
      await screen.findByText(
        'Saved as generation 3; the engine is applying it.',
      ),
    ).toBeInTheDocument();
    expect(current.spec).toEqual({
      size: 'small',
      storageGb: 20,
      highAvailability: true,
    });
  });

  it('says when the resource does not exist', async () => {
    render({ id: 'nope' });
    expect(await screen.findByText('Resource not found')).toBeInTheDocument();
  });
});
