import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { serviceLevels } from '../../__testUtils__/fixtures';
import { API, csvOf, renderDevex } from '../../__testUtils__/render';
import { ServiceLevelsTab } from './ServiceLevelsTab';

const empty = {
  ...serviceLevels,
  totals: {
    ...serviceLevels.totals,
    requests: 0,
    rolloutsCompleted: 0,
    rolloutsFailed: 0,
  },
};

describe('ServiceLevelsTab', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  beforeEach(() => window.sessionStorage.clear());

  it('shows time to Ready, pickup wait, failures per capability and rollouts', async () => {
    server.use(
      http.get(`${API}/metrics/service-levels`, () =>
        HttpResponse.json(serviceLevels),
      ),
    );
    renderDevex(<ServiceLevelsTab />);

    expect(
      await screen.findByLabelText('Time to Ready', { selector: 'p' }),
    ).toHaveTextContent('42 s');
    expect(screen.getByText('p50; p95 5 min 10 s')).toBeInTheDocument();
    expect(screen.getByLabelText('Pickup wait')).toHaveTextContent('2 s');
    expect(
      screen.getByLabelText('Failure rate', { selector: 'p' }),
    ).toHaveTextContent('9%');
    expect(screen.getByLabelText('Rollouts')).toHaveTextContent('3 completed');
    expect(screen.getByText('1 failed')).toBeInTheDocument();
    expect(
      screen.getByRole('figure', { name: 'Platform requests' }),
    ).toBeInTheDocument();

    const table = within(
      screen.getByRole('table', { name: 'By capability and engine' }),
    );
    const row = table.getByText('local:database').closest('tr')!;
    expect(
      within(row)
        .getAllByRole('cell')
        .map(c => c.textContent),
    ).toEqual([
      'local:database',
      'local',
      '25',
      '20',
      '2',
      '9%',
      '42 s',
      '5 min 10 s',
      '2 s',
      '15 s',
    ]);
    expect(
      csvOf(
        screen.getByRole('link', {
          name: 'Download Top failure messages as CSV',
        }),
      ),
    ).toBe(
      'Capability,Message,Failures\r\nlocal:database,disk quota exceeded,2\r\n',
    );
  });

  it('names the platform source when it has delivered nothing', async () => {
    server.use(
      http.get(`${API}/metrics/service-levels`, () => HttpResponse.json(empty)),
    );
    renderDevex(<ServiceLevelsTab />);
    expect(
      await screen.findByText(
        'No platform requests yet: Platform resource history has not delivered anything',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/devex reads its history feed/),
    ).toBeInTheDocument();
  });

  it('says when the devex backend is not installed', async () => {
    server.use(
      http.get(`${API}/metrics/service-levels`, () =>
        HttpResponse.json(
          { error: { name: 'NotFoundError', message: 'Not found' } },
          { status: 404 },
        ),
      ),
    );
    renderDevex(<ServiceLevelsTab />);
    expect(
      await screen.findByText('The DevEx backend is not installed'),
    ).toBeInTheDocument();
  });
});
