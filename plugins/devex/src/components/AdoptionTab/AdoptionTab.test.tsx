import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { adoption, analyticsSource } from '../../__testUtils__/fixtures';
import { API, csvOf, renderDevex } from '../../__testUtils__/render';
import { AdoptionTab } from './AdoptionTab';

describe('AdoptionTab', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const asked: URL[] = [];

  beforeEach(() => {
    asked.length = 0;
    window.sessionStorage.clear();
  });

  function answer(body: object, status = 200) {
    server.use(
      http.get(`${API}/metrics/adoption`, ({ request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json(body, { status });
      }),
    );
  }

  it('shows active users against eligible ones, cohorts and the team fold', async () => {
    answer(adoption);
    renderDevex(<AdoptionTab />);

    expect(
      await screen.findByLabelText('Active users', { selector: 'p' }),
    ).toHaveTextContent('42');
    expect(screen.getByText('of 120 eligible')).toBeInTheDocument();
    expect(screen.getByLabelText('Adoption rate')).toHaveTextContent('35%');
    expect(
      screen.getByRole('figure', { name: 'Active users' }),
    ).toBeInTheDocument();

    const cohorts = within(
      screen.getByRole('table', { name: 'Weekly cohort retention' }),
    );
    const row = cohorts.getByText('2026-11-02').closest('tr')!;
    expect(
      within(row)
        .getAllByRole('cell')
        .map(c => c.textContent),
    ).toEqual([
      '2026-11-02',
      '5',
      '80%',
      '60%',
      '40%',
      '—',
      '—',
      '—',
      '—',
      '—',
    ]);

    const byTeam = within(
      screen.getByRole('table', { name: 'Adoption by team' }),
    );
    expect(byTeam.getByText('Storefront')).toBeInTheDocument();
    expect(byTeam.getByText('Other (3 small teams)')).toBeInTheDocument();
    // No per-person table anywhere.
    expect(screen.queryByRole('columnheader', { name: /user$/i })).toBeNull();

    // The default range is the last 30 days in the browser's days.
    expect(asked[0].searchParams.get('from')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(asked[0].searchParams.has('team')).toBe(false);
  });

  it('exports a table as CSV with its rows escaped', async () => {
    answer(adoption);
    renderDevex(<AdoptionTab />);

    const link = await screen.findByRole('link', {
      name: 'Download Adoption by plugin as CSV',
    });
    expect(link).toHaveAttribute(
      'download',
      expect.stringMatching(
        /^devex-adoption-by-plugin-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/,
      ),
    );
    expect(csvOf(link)).toBe(
      'Plugin,Active users,Events\r\ncatalog,40,900\r\n"platform, ""beta""",20,300\r\n',
    );
    expect(
      csvOf(
        screen.getByRole('link', { name: 'Download Adoption by team as CSV' }),
      ),
    ).toBe(
      'Team,Active users,Eligible users,Adoption\r\nStorefront,12,15,0.8\r\nOther (3 small teams),4,6,0.6666666666666666\r\n',
    );
  });

  it('asks again for the team and range the user picks', async () => {
    answer(adoption);
    renderDevex(<AdoptionTab />);
    await screen.findByLabelText('Active users', { selector: 'p' });

    await userEvent.click(screen.getByRole('combobox', { name: 'Team' }));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Payments' }),
    );
    await screen.findByLabelText('Active users', { selector: 'p' });
    expect(asked.at(-1)!.searchParams.get('team')).toBe(
      'group:default/team-payments',
    );

    await userEvent.click(screen.getByRole('combobox', { name: 'Date range' }));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Last 7 days' }),
    );
    await screen.findByLabelText('Active users', { selector: 'p' });
    const last = asked.at(-1)!;
    const days =
      (Date.parse(last.searchParams.get('to')!) -
        Date.parse(last.searchParams.get('from')!)) /
      86_400_000;
    expect(days).toBe(6);
  });

  it('names the source that has delivered nothing and how to connect it', async () => {
    answer({
      ...adoption,
      totals: {
        activeUsers: 0,
        newUsers: 0,
        returningUsers: 0,
        adoptionRate: 0,
      },
      sources: [{ ...analyticsSource, facts: 0 }],
    });
    renderDevex(<AdoptionTab />);

    expect(
      await screen.findByText(
        'No portal activity yet: Frontend analytics has not delivered anything',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Install the devex frontend plugin.'),
    ).toBeInTheDocument();
  });

  it('shows the backend error', async () => {
    answer(
      {
        error: { name: 'InputError', message: 'to: must not be before from' },
        response: { statusCode: 400 },
      },
      400,
    );
    renderDevex(<AdoptionTab />);
    expect(
      await screen.findByText(/Could not load the adoption figures/),
    ).toBeInTheDocument();
    expect(screen.getByText(/to: must not be before from/)).toBeInTheDocument();
  });

  it('says so when the user may not see the figures', async () => {
    answer(
      { error: { name: 'NotAllowedError', message: 'Unauthorized' } },
      403,
    );
    renderDevex(<AdoptionTab />);
    expect(
      await screen.findByText('You may not see DevEx figures'),
    ).toBeInTheDocument();
  });
});
