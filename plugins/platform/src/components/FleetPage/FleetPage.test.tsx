import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import {
  ENGINE_AUTHORIZATION_HEADER,
  Rollout,
} from '@trellis/backstage-plugin-platform-common';
import { platformEngineAuthApiRef } from '../../engineAuth';
import {
  API,
  errorBody,
  makeRollout,
  postgres,
  queue,
} from '../../__testUtils__/fixtures';
import { createSignalMock, renderPlatform } from '../../__testUtils__/render';
import { FleetPage } from './FleetPage';

// Permission decisions are cached across a file (usePermission uses SWR), so
// the denied case lives in alpha.test.tsx.
describe('FleetPage', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  let rollouts: Rollout[];
  let rolloutPosts: unknown[];

  const fleet = [
    { capabilityRef: postgres.ref, version: '16.2', phase: 'Ready', count: 7 },
    { capabilityRef: postgres.ref, version: '15.6', phase: 'Ready', count: 2 },
    { capabilityRef: postgres.ref, version: '15.6', phase: 'Failed', count: 1 },
    { capabilityRef: postgres.ref, version: null, phase: 'Pending', count: 1 },
  ];

  function serve(items: unknown[] = fleet) {
    rollouts = [makeRollout()];
    rolloutPosts = [];
    server.use(
      http.get(`${API}/fleet`, () => HttpResponse.json({ items })),
      http.get(`${API}/capabilities`, () =>
        HttpResponse.json({ items: [postgres, queue] }),
      ),
      http.get(`${API}/rollouts`, () => HttpResponse.json({ items: rollouts })),
      http.post(`${API}/rollouts`, async ({ request }) => {
        rolloutPosts.push(await request.json());
        return HttpResponse.json(errorBody('NotAllowedError', 'not an admin'), {
          status: 403,
        });
      }),
      http.post(`${API}/rollouts/:id/pause`, () => {
        rollouts = [makeRollout({ status: 'Paused' })];
        return HttpResponse.json(rollouts[0]);
      }),
    );
  }

  it('shows progress while loading', async () => {
    server.use(http.get(`${API}/*`, () => delay('infinite')));
    renderPlatform(<FleetPage />);
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('shows instances by capability, version and phase, and which are behind', async () => {
    serve();
    renderPlatform(<FleetPage />);
    const table = within(
      await screen.findByRole('table', {
        name: 'PostgreSQL database by version and phase',
      }),
    );
    const current = table
      .getByRole('rowheader', { name: /16\.2/ })
      .closest('tr')!;
    expect(current).toHaveTextContent('current');
    expect(within(current).getByRole('link', { name: '7' })).toHaveAttribute(
      'href',
      '/platform/resources?capability=local%3Apostgresql&phase=Ready',
    );
    const old = table.getByRole('rowheader', { name: /15\.6/ }).closest('tr')!;
    expect(old).toHaveTextContent('behind');
    expect(within(old).getByRole('link', { name: '1' })).toBeInTheDocument();
    expect(
      table.getByRole('rowheader', { name: 'Not reported' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText('11 instances · 3 behind · 1 unknown version'),
    ).toBeInTheDocument();
  });

  it('shows rollout progress and pauses a running rollout', async () => {
    serve();
    renderPlatform(<FleetPage />);
    const rollout = within(
      await screen.findByRole('article', {
        name: 'Rollout of PostgreSQL database to 16.2',
      }),
    );
    expect(rollout.getByText('Running')).toBeInTheDocument();
    expect(rollout.getByText(/Wave 2 of 2/)).toBeInTheDocument();
    expect(rollout.getByText('2 / 4')).toBeInTheDocument();

    await userEvent.click(rollout.getByRole('button', { name: 'Pause' }));
    expect(await rollout.findByText('Paused')).toBeInTheDocument();
    expect(rollout.getByRole('button', { name: 'Resume' })).toBeInTheDocument();
  });

  it('refreshes a running rollout when its resources signal a change', async () => {
    serve();
    const signals = createSignalMock();
    renderPlatform(<FleetPage />, { apis: [signals.pair] });
    await screen.findByText('2 / 4');
    await waitFor(() =>
      expect(signals.channels()).toEqual(
        expect.arrayContaining([
          'platform:resource:r3',
          'platform:resource:r4',
        ]),
      ),
    );

    rollouts = [
      makeRollout({
        items: makeRollout().items.map(item => ({
          ...item,
          status: 'Succeeded' as const,
        })),
        status: 'Completed',
        currentWave: 2,
      }),
    ];
    signals.publish('platform:resource:r3');
    expect(
      await screen.findByText('4 / 4', {}, { timeout: 5000 }),
    ).toBeInTheDocument();
    expect(screen.getByText('Completed')).toBeInTheDocument();
  });

  it('starts a rollout and shows when only administrators may', async () => {
    serve();
    renderPlatform(<FleetPage />);
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Start rollout of PostgreSQL database',
      }),
    );
    const dialog = within(await screen.findByRole('dialog'));
    expect(
      dialog.getByText(/4 of 11 instances are not on 16\.2/),
    ).toBeInTheDocument();
    fireEvent.change(dialog.getByLabelText('Instances per wave'), {
      target: { value: '3' },
    });
    fireEvent.change(dialog.getByLabelText('Pause between waves (seconds)'), {
      target: { value: '60' },
    });
    await userEvent.click(
      dialog.getByRole('button', { name: 'Start rollout' }),
    );

    expect(await dialog.findByRole('alert')).toHaveTextContent(
      'Only platform administrators can start rollouts',
    );
    expect(rolloutPosts).toEqual([
      {
        capabilityRef: 'local:postgresql',
        targetVersion: '16.2',
        waveSize: 3,
        pauseSeconds: 60,
      },
    ]);
  });

  it('resumes with the user’s token when the engine acts as the user', async () => {
    serve();
    rollouts = [makeRollout({ status: 'Paused' })];
    const resumes: Array<string | null> = [];
    const getToken = jest.fn(async () => 'admin-id-token');
    server.use(
      http.get(`${API}/capabilities`, () =>
        HttpResponse.json({
          items: [{ ...postgres, userAuth: { provider: 'okta' } }, queue],
        }),
      ),
      http.post(`${API}/rollouts/:id/resume`, ({ request }) => {
        resumes.push(request.headers.get(ENGINE_AUTHORIZATION_HEADER));
        rollouts = [makeRollout({ status: 'Running' })];
        return HttpResponse.json(rollouts[0]);
      }),
    );
    renderPlatform(<FleetPage />, {
      apis: [[platformEngineAuthApiRef, { getToken }]],
    });
    const rollout = within(
      await screen.findByRole('article', {
        name: 'Rollout of PostgreSQL database to 16.2',
      }),
    );
    await userEvent.click(
      await rollout.findByRole('button', { name: 'Resume' }),
    );
    expect(await rollout.findByText('Running')).toBeInTheDocument();
    expect(getToken).toHaveBeenCalledWith('okta');
    expect(resumes).toEqual(['Bearer admin-id-token']);
  });

  it('points to the service catalog when there are no instances', async () => {
    serve([]);
    rollouts = [];
    renderPlatform(<FleetPage />);
    expect(await screen.findByText('No instances yet')).toBeInTheDocument();
    expect(await screen.findByText(/No rollouts yet/)).toBeInTheDocument();
  });

  it('shows server errors', async () => {
    server.use(
      http.get(`${API}/fleet`, () =>
        HttpResponse.json(errorBody('Error', 'fleet query failed'), {
          status: 500,
        }),
      ),
      http.get(`${API}/capabilities`, () => HttpResponse.json({ items: [] })),
      http.get(`${API}/rollouts`, () => HttpResponse.json({ items: [] })),
    );
    renderPlatform(<FleetPage />);
    expect(
      await screen.findByText(/Could not load the fleet/),
    ).toBeInTheDocument();
  });
});
