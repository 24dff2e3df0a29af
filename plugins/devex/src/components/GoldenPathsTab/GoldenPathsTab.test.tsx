import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { goldenPaths, scaffolderSource } from '../../__testUtils__/fixtures';
import { API, csvOf, renderDevex } from '../../__testUtils__/render';
import { GoldenPathsTab } from './GoldenPathsTab';

describe('GoldenPathsTab', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  beforeEach(() => window.sessionStorage.clear());

  it('shows outcomes with cancelled runs apart, failure reasons and time saved', async () => {
    server.use(
      http.get(`${API}/metrics/golden-paths`, () =>
        HttpResponse.json(goldenPaths),
      ),
    );
    renderDevex(<GoldenPathsTab />);

    expect(
      await screen.findByLabelText('Success rate', { selector: 'p' }),
    ).toHaveTextContent('83%');
    expect(screen.getByText('4 cancelled, counted apart')).toBeInTheDocument();
    expect(screen.getByLabelText('Median duration')).toHaveTextContent(
      '1 min 35 s',
    );
    expect(screen.getByText('p90 5 min')).toBeInTheDocument();
    expect(
      screen.getByLabelText('Time saved', { selector: 'p' }),
    ).toHaveTextContent('5 d');
    expect(
      screen.getByRole('figure', { name: 'Golden-path runs' }),
    ).toBeInTheDocument();

    const templates = within(
      screen.getByRole('table', { name: 'By template' }),
    );
    const row = templates
      .getByText('Node.js service with a database')
      .closest('tr')!;
    expect(
      within(row)
        .getAllByRole('cell')
        .map(c => c.textContent),
    ).toEqual([
      'Node.js service with a database',
      '40',
      '30',
      '6',
      '4',
      '83%',
      '1 min 35 s',
      '5 min',
      '5 d',
    ]);

    const failures = screen.getByRole('table', { name: 'Top failure reasons' });
    expect(failures).toHaveTextContent('request-database');
    expect(
      csvOf(
        screen.getByRole('link', {
          name: 'Download Top failure reasons as CSV',
        }),
      ),
    ).toBe(
      'Template,Step,Message,Runs\r\nnode-service-with-db,request-database,"Capability local:database is unavailable, try ""later""",5\r\n',
    );
    expect(
      csvOf(screen.getByRole('link', { name: 'Download By template as CSV' })),
    ).toContain(
      'Node.js service with a database,40,30,6,4,0.8333333333333334,95,300,432000',
    );
  });

  it('names the scaffolder source when no run was recorded', async () => {
    server.use(
      http.get(`${API}/metrics/golden-paths`, () =>
        HttpResponse.json({
          ...goldenPaths,
          totals: { ...goldenPaths.totals, runs: 0 },
          sources: [{ ...scaffolderSource, facts: 0 }],
        }),
      ),
    );
    renderDevex(<GoldenPathsTab />);
    expect(
      await screen.findByText(
        'No golden-path runs yet: Scaffolder task outcomes has not delivered anything',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'Add the devex backend to the backend that runs the scaffolder.',
      ),
    ).toBeInTheDocument();
  });

  it('says when the range is empty though every source is connected', async () => {
    server.use(
      http.get(`${API}/metrics/golden-paths`, () =>
        HttpResponse.json({
          ...goldenPaths,
          totals: { ...goldenPaths.totals, runs: 0 },
        }),
      ),
    );
    renderDevex(<GoldenPathsTab />, {
      path: '/?range=7&team=group:default/team-payments',
    });
    expect(
      await screen.findByText('No golden-path runs in this range'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Nothing happened for this team/),
    ).toBeInTheDocument();
  });
});
