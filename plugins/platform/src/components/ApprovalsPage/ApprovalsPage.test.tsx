import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { mockApis, registerMswTestHooks } from '@backstage/frontend-test-utils';
import { ChangeRequest } from '@trellis/backstage-plugin-platform-common';
import { API, errorBody, makeResource } from '../../__testUtils__/fixtures';
import {
  createSignalMock,
  denying,
  renderPlatform,
} from '../../__testUtils__/render';
import { ApprovalsPage } from './ApprovalsPage';

const ME = 'user:default/bob';
const DAY = 24 * 3600 * 1000;

function makeRequest(overrides: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    id: '42',
    operation: 'delete',
    status: 'pending',
    reasons: ['service-principal', 'policy'],
    resource: {
      id: 'res-1',
      name: 'orders-db',
      capability: 'local:postgresql',
      environment: 'production',
      owner: 'group:default/team-a',
    },
    change: {},
    baseGeneration: 2,
    requestedBy: 'external:trellis-agent',
    requestedByType: 'service',
    via: 'mcp',
    createdAt: new Date(Date.now() - 3600 * 1000).toISOString(),
    expiresAt: new Date(Date.now() + 2 * DAY + 3600 * 1000).toISOString(),
    message:
      'Needs approval: delete of orders-db (production). Change request 42; ask someone with platform.resource.approve.',
    ...overrides,
  };
}

describe('Approvals', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  let requests: ChangeRequest[];
  let queries: URLSearchParams[];

  beforeEach(() => {
    requests = [
      makeRequest(),
      makeRequest({
        id: '41',
        operation: 'update',
        requestedBy: ME,
        requestedByType: 'user',
        via: 'api',
        reasons: ['policy'],
        resource: { ...makeRequest().resource, id: 'res-2', name: 'cache' },
        change: { spec: { size: 'large', storageGb: 20 } },
      }),
      makeRequest({
        id: '40',
        status: 'rejected',
        decidedBy: 'user:default/carol',
        decidedAt: new Date().toISOString(),
        comment: 'Not during the sale',
      }),
    ];
    queries = [];
    server.use(
      http.get(`${API}/change-requests`, ({ request }) => {
        const query = new URL(request.url).searchParams;
        queries.push(query);
        let items = requests;
        const status = query.getAll('status');
        if (status.length) items = items.filter(r => status.includes(r.status));
        if (query.get('mine') === 'true') {
          items = items.filter(r => r.requestedBy === ME);
        }
        return HttpResponse.json({ items });
      }),
      http.get(`${API}/change-requests/:id`, ({ params }) => {
        const found = requests.find(r => r.id === params.id);
        return found
          ? HttpResponse.json(found)
          : HttpResponse.json(errorBody('NotFoundError', 'no such request'), {
              status: 404,
            });
      }),
      http.get(`${API}/resources/:id`, ({ params }) =>
        HttpResponse.json(
          makeResource({ id: String(params.id), name: 'cache' }),
        ),
      ),
    );
  });

  const render = (path: string, apis: any[] = []) =>
    renderPlatform(<ApprovalsPage />, {
      mountPath: '/platform/approvals/*',
      path,
      apis: [mockApis.identity({ userEntityRef: ME }), ...apis],
    });

  describe('inbox', () => {
    it('lists what waits for the viewer: pending, not their own', async () => {
      render('/platform/approvals');
      const table = within(
        await screen.findByRole('table', { name: 'Change requests' }),
      );
      const row = table.getByText('Request 42').closest('tr')!;
      expect(row).toHaveTextContent('Delete');
      expect(row).toHaveTextContent('orders-db');
      expect(row).toHaveTextContent('production');
      expect(row).toHaveTextContent('local:postgresql');
      expect(row).toHaveTextContent('trellis-agent (service) via MCP agent');
      expect(row).toHaveTextContent('Made by a service');
      expect(row).toHaveTextContent('Policy (production)');
      expect(row).toHaveTextContent('1 hour ago');
      expect(row).toHaveTextContent('in 2 days');
      expect(
        within(row as HTMLElement).getByRole('link', { name: 'orders-db' }),
      ).toHaveAttribute('href', '/platform/resources/res-1');
      // The viewer's own request (41) and the decided one (40) are not here.
      expect(table.queryByText('Request 41')).not.toBeInTheDocument();
      expect(table.queryByText('Request 40')).not.toBeInTheDocument();
      expect(queries[0].getAll('status')).toEqual(['pending']);
    });

    it('shows the viewer’s own requests and all of them in the other tabs', async () => {
      render('/platform/approvals');
      await screen.findByText('Request 42');
      await userEvent.click(screen.getByRole('tab', { name: 'My requests' }));
      const mine = within(
        await screen.findByRole('table', { name: 'Change requests' }),
      );
      await waitFor(() =>
        expect(mine.queryByText('Request 42')).not.toBeInTheDocument(),
      );
      expect(mine.getByText('Request 41').closest('tr')).toHaveTextContent(
        'Waiting for approval',
      );

      await userEvent.click(screen.getByRole('tab', { name: 'All' }));
      const all = within(
        await screen.findByRole('table', { name: 'Change requests' }),
      );
      expect(await all.findByText('Request 40')).toBeInTheDocument();
      expect(all.getByText('Request 40').closest('tr')).toHaveTextContent(
        'Rejected',
      );
    });

    it('says so when nothing waits, and follows new requests live', async () => {
      const signals = createSignalMock();
      requests = [];
      render('/platform/approvals', [signals.pair]);
      expect(
        await screen.findByText('Nothing waits for you'),
      ).toBeInTheDocument();
      expect(screen.getByText('Live')).toBeInTheDocument();
      requests = [makeRequest()];
      signals.publish('platform:approvals', {
        changeRequestId: '42',
        status: 'pending',
      } as any);
      expect(await screen.findByText('Request 42')).toBeInTheDocument();
    });

    it('shows skeletons while loading', async () => {
      server.use(http.get(`${API}/change-requests`, () => delay('infinite')));
      render('/platform/approvals');
      expect(
        await screen.findByLabelText('Loading change requests'),
      ).toBeInTheDocument();
    });

    it('shows the error when listing fails', async () => {
      server.use(
        http.get(`${API}/change-requests`, () =>
          HttpResponse.json(errorBody('Error', 'database is down'), {
            status: 500,
          }),
        ),
      );
      render('/platform/approvals');
      expect(
        await screen.findByText(/Could not load the change requests/),
      ).toBeInTheDocument();
    });
  });

  describe('a change request', () => {
    it('warns that a delete is destructive and shows why it needs approval', async () => {
      render('/platform/approvals/42');
      expect(
        await screen.findByRole('heading', { name: 'Change request 42' }),
      ).toBeInTheDocument();
      expect(screen.getByLabelText('Request status')).toHaveTextContent(
        'Waiting for approval',
      );
      expect(
        screen.getByRole('note', { name: 'Destructive change' }),
      ).toHaveTextContent(/deletes orders-db in production.*cannot be undone/);
      const reasons = within(screen.getByRole('list', { name: 'Reasons' }));
      expect(reasons.getByText('Made by a service')).toBeInTheDocument();
      expect(reasons.getByText('Policy (production)')).toBeInTheDocument();
      expect(
        screen.getByRole('list', { name: 'Request timeline' }),
      ).toHaveTextContent('Requested by trellis-agent (service) via MCP agent');
      expect(
        screen.getByText(/requested by trellis-agent .* — expires in 2 days/),
      ).toBeInTheDocument();
    });

    it('shows an update as the current spec against the requested one', async () => {
      render('/platform/approvals/41');
      const diff = within(
        await screen.findByRole('table', { name: 'Spec changes' }),
      );
      const size = diff.getByText('size').closest('tr')!;
      expect(size).toHaveTextContent('"small"');
      expect(size).toHaveTextContent('"large"');
      expect(size).toHaveTextContent('changed');
      expect(diff.getByText('storageGb').closest('tr')).toHaveTextContent(
        'unchanged',
      );
      expect(screen.getByText('1 field changes.')).toBeInTheDocument();
    });

    it('approves with a comment, and shows the decision', async () => {
      let approved: unknown;
      server.use(
        http.post(`${API}/change-requests/42/approve`, async ({ request }) => {
          approved = await request.json();
          requests[0] = makeRequest({
            status: 'approved',
            decidedBy: ME,
            decidedAt: new Date().toISOString(),
            comment: 'Checked with team-a',
          });
          return HttpResponse.json(requests[0]);
        }),
      );
      render('/platform/approvals/42');
      await userEvent.click(
        await screen.findByRole('button', { name: 'Approve' }),
      );
      const dialog = within(await screen.findByRole('dialog'));
      expect(
        dialog.getByText(/The resource and everything in it are deleted/),
      ).toBeInTheDocument();
      await userEvent.type(
        dialog.getByLabelText('Comment (optional)'),
        'Checked with team-a',
      );
      await userEvent.click(dialog.getByRole('button', { name: 'Approve' }));
      expect(
        await screen.findByText(
          'Approved: the platform is applying the change.',
        ),
      ).toBeInTheDocument();
      expect(approved).toEqual({ comment: 'Checked with team-a' });
      await waitFor(() =>
        expect(screen.getByLabelText('Request status')).toHaveTextContent(
          'Approved',
        ),
      );
      expect(
        screen.getByRole('list', { name: 'Request timeline' }),
      ).toHaveTextContent('Approved by bob');
      expect(screen.getByRole('button', { name: 'Approve' })).toBeDisabled();
    });

    it('needs a comment to reject', async () => {
      let rejected: unknown;
      server.use(
        http.post(`${API}/change-requests/42/reject`, async ({ request }) => {
          rejected = await request.json();
          requests[0] = makeRequest({ status: 'rejected', decidedBy: ME });
          return HttpResponse.json(requests[0]);
        }),
      );
      render('/platform/approvals/42');
      await userEvent.click(
        await screen.findByRole('button', { name: 'Reject' }),
      );
      const dialog = within(await screen.findByRole('dialog'));
      await userEvent.click(dialog.getByRole('button', { name: 'Reject' }));
      expect(
        dialog.getByText('Say why you reject the change.'),
      ).toBeInTheDocument();
      expect(rejected).toBeUndefined();
      await userEvent.type(
        dialog.getByLabelText(/Comment \(required\)/),
        'Agents do not delete production',
      );
      await userEvent.click(dialog.getByRole('button', { name: 'Reject' }));
      await waitFor(() =>
        expect(rejected).toEqual({
          comment: 'Agents do not delete production',
        }),
      );
      await waitFor(() =>
        expect(screen.getByLabelText('Request status')).toHaveTextContent(
          'Rejected',
        ),
      );
    });

    it('shows the platform’s reason when it refuses the decision', async () => {
      server.use(
        http.post(`${API}/change-requests/42/approve`, () =>
          HttpResponse.json(
            errorBody(
              'NotAllowedError',
              'change requests are approved by people',
            ),
            { status: 403 },
          ),
        ),
      );
      render('/platform/approvals/42');
      await userEvent.click(
        await screen.findByRole('button', { name: 'Approve' }),
      );
      const dialog = within(await screen.findByRole('dialog'));
      await userEvent.click(dialog.getByRole('button', { name: 'Approve' }));
      expect(await dialog.findByRole('alert')).toHaveTextContent(
        'You cannot approve this request: change requests are approved by people',
      );
    });

    it('lets the requester cancel, not approve, their own request', async () => {
      server.use(
        http.post(`${API}/change-requests/41/cancel`, () => {
          requests[1] = { ...requests[1], status: 'cancelled', decidedBy: ME };
          return HttpResponse.json(requests[1]);
        }),
      );
      render('/platform/approvals/41');
      const approve = await screen.findByRole('button', { name: 'Approve' });
      expect(approve).toBeDisabled();
      expect(approve).toHaveAccessibleDescription(
        'You requested this change; someone else must approve it',
      );
      await userEvent.click(
        screen.getByRole('button', { name: 'Cancel request' }),
      );
      expect(
        await screen.findByText(
          'You withdrew this request; nothing was changed.',
        ),
      ).toBeInTheDocument();
      await waitFor(() =>
        expect(screen.getByLabelText('Request status')).toHaveTextContent(
          'Cancelled',
        ),
      );
    });

    it('explains a missing approve permission', async () => {
      // usePermission keeps its answers in a process-wide SWR cache keyed by
      // permission and resource, so earlier tests' ALLOW for res-1 would be
      // served here: ask about a resource no other test has.
      requests[0] = {
        ...requests[0],
        resource: { ...requests[0].resource, id: 'res-guarded' },
      };
      render('/platform/approvals/42', [denying('platform.resource.approve')]);
      await screen.findByRole('button', { name: 'Reject' });
      await waitFor(
        () =>
          expect(
            screen.getByRole('button', { name: 'Reject' }),
          ).toHaveAccessibleDescription(
            /needs the platform.resource.approve permission/,
          ),
        // The permission answer comes after the request: slow on a busy machine.
        { timeout: 10_000 },
      );
      expect(screen.getByRole('button', { name: 'Reject' })).toBeDisabled();
    });

    it('says when the request does not exist', async () => {
      render('/platform/approvals/999');
      expect(
        await screen.findByText('Change request not found'),
      ).toBeInTheDocument();
    });
  });
});
