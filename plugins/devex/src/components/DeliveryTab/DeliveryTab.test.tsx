import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import {
  delivery,
  deploymentEvidence,
  emptyDelivery,
  impact,
  incidentEvidence,
  moreDeploymentEvidence,
  onboarding,
} from '../../__testUtils__/deliveryFixtures';
import { API, csvOf, renderDevex } from '../../__testUtils__/render';
import { DeliveryTab } from './DeliveryTab';

describe('DeliveryTab', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const evidenceAsked: URL[] = [];
  beforeEach(() => {
    window.sessionStorage.clear();
    evidenceAsked.length = 0;
    server.use(
      http.get(`${API}/metrics/delivery`, () => HttpResponse.json(delivery)),
      http.get(`${API}/metrics/impact`, () => HttpResponse.json(impact)),
      http.get(`${API}/metrics/onboarding`, () =>
        HttpResponse.json(onboarding),
      ),
      http.get(`${API}/metrics/delivery/evidence`, ({ request }) => {
        const url = new URL(request.url);
        evidenceAsked.push(url);
        if (url.searchParams.get('kind') === 'incidents') {
          return HttpResponse.json(incidentEvidence);
        }
        return HttpResponse.json(
          url.searchParams.get('after') === 'cursor-2'
            ? moreDeploymentEvidence
            : deploymentEvidence,
        );
      }),
    );
  });

  it('shows each DORA figure with its tier and what it stands on', async () => {
    renderDevex(<DeliveryTab />);
    const frequency = await screen.findByLabelText('Deployment frequency', {
      selector: 'p',
    });
    expect(frequency).toHaveTextContent('9.3 / week');
    const tile = (label: string) =>
      within(screen.getByRole('region', { name: label }));
    expect(
      tile('Deployment frequency').getByLabelText('Tier: High'),
    ).toBeInTheDocument();
    expect(
      screen.getByLabelText('Lead time for changes', { selector: 'p' }),
    ).toHaveTextContent('5 h');
    expect(
      tile('Lead time for changes').getByLabelText('Tier: Elite'),
    ).toBeInTheDocument();
    expect(
      tile('Lead time for changes').getByText(
        'p50 of 55 changes; p90 30 h; 3 merged, not yet in production',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByLabelText('Change failure rate', { selector: 'p' }),
    ).toHaveTextContent('5%');
    expect(
      tile('Change failure rate').getByText(
        '2 of 40 deployments (2 incident, 0 rollback)',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByLabelText('Recovery time', { selector: 'p' }),
    ).toHaveTextContent('50 min');
    expect(
      screen.getByLabelText('Rework rate', { selector: 'p' }),
    ).toHaveTextContent('3%');
    // Rework has no DORA clusters: no tier.
    expect(tile('Rework rate').queryByLabelText(/^Tier:/)).toBeNull();
    expect(
      screen.getByText(/Tiers: DORA, Accelerate State of DevOps 2024/),
    ).toBeInTheDocument();

    expect(
      screen.getByRole('figure', { name: 'Production deployments' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('figure', { name: 'Lead time and recovery' }),
    ).toBeInTheDocument();
    expect(
      csvOf(
        screen.getByRole('link', {
          name: 'Download Lead time and recovery as CSV',
        }),
      ),
    ).toBe(
      'Date,Lead time p50 (h),Recovery p50 (h)\r\n2026-11-23,6,0.8\r\n2026-11-30,,\r\n',
    );

    const components = within(
      screen.getByRole('table', { name: 'By component' }),
    );
    const row = components.getByText('checkout-service').closest('tr')!;
    expect(
      within(row)
        .getAllByRole('cell')
        .map(c => c.textContent),
    ).toEqual([
      'checkout-service',
      'team-payments',
      'No',
      '0.9 / week (Medium)',
      '8 d (Medium)',
      '50% (Low)',
      '50 min (Elite)',
      '25%',
      'Deployments',
    ]);
    const teams = within(screen.getByRole('table', { name: 'By team' }));
    expect(teams.getByText('Storefront')).toBeInTheDocument();
    expect(teams.getByText('Other (2 small teams)')).toBeInTheDocument();
  });

  it('links each figure to the facts behind it, a page at a time', async () => {
    renderDevex(<DeliveryTab />);
    const evidence = within(
      await screen.findByRole('region', { name: 'Evidence' }),
    );
    expect(await evidence.findByText('4f2a9c1')).toHaveAttribute(
      'href',
      'https://github.com/acme/checkout-service/actions/runs/1',
    );
    expect(evidence.getByText('Incident')).toBeInTheDocument();

    await userEvent.click(evidence.getByRole('button', { name: 'Show more' }));
    expect(await evidence.findByText('aa11bb2')).toBeInTheDocument();
    expect(evidence.getByText('4f2a9c1')).toBeInTheDocument();
    expect(evidenceAsked.at(-1)!.searchParams.get('after')).toBe('cursor-2');

    await userEvent.click(
      screen.getByRole('button', {
        name: 'Show the incidents behind Recovery time',
      }),
    );
    expect(
      await evidence.findByText('POST /orders 5xx rate above 2 %'),
    ).toHaveAttribute('href', 'https://acme.pagerduty.com/incidents/Q1');
    expect(evidence.getByText('26 h')).toBeInTheDocument();
    expect(evidenceAsked.at(-1)!.searchParams.get('kind')).toBe('incidents');

    await userEvent.click(
      screen.getByRole('button', {
        name: 'Show the deployments of checkout-service',
      }),
    );
    expect(
      await evidence.findByLabelText('Only checkout-service'),
    ).toBeInTheDocument();
    expect(evidenceAsked.at(-1)!.searchParams.get('component')).toBe(
      'component:default/checkout-service',
    );
    expect(evidenceAsked.at(-1)!.searchParams.get('kind')).toBe('deployments');
  });

  it('compares golden-path components and teams before and after, with group sizes', async () => {
    renderDevex(<DeliveryTab />);
    expect(
      await screen.findByText(/These are comparisons, not causes/),
    ).toBeInTheDocument();
    const split = within(
      await screen.findByRole('table', {
        name: 'Golden-path components vs the rest',
      }),
    );
    const golden = split.getByText('Golden-path components').closest('tr')!;
    expect(
      within(golden)
        .getAllByRole('cell')
        .map(c => c.textContent)
        .slice(0, 3),
    ).toEqual(['Golden-path components', '2', '5.1 / week (High)']);
    const other = split.getByText('Other components').closest('tr')!;
    expect(within(other).getAllByRole('cell')[1]).toHaveTextContent('4');
    const before = within(
      screen.getByRole('table', {
        name: 'Before and after adopting the platform',
      }),
    );
    const rows = before
      .getAllByRole('row')
      .slice(1)
      .map(r =>
        within(r)
          .getAllByRole('cell')
          .map(c => c.textContent),
      );
    expect(rows).toEqual([
      [
        'Search',
        '2026-11-16 (golden path)',
        'Before',
        '14',
        '0.9 / week (Medium)',
        '8 d (Medium)',
        '50% (Low)',
        '50 min (Elite)',
      ],
      [
        'Search',
        '2026-11-16 (golden path)',
        'After',
        '16',
        '7.5 / week (High)',
        '18 h (Elite)',
        '5% (Elite)',
        '50 min (Elite)',
      ],
    ]);
  });

  it('shows onboarding cohorts, the small ones by size only', async () => {
    renderDevex(<DeliveryTab />);
    expect(
      await screen.findByLabelText('Days to first change', { selector: 'p' }),
    ).toHaveTextContent('9.5 d');
    expect(
      screen.getByText('15 start dates from the catalog, 12 first seen'),
    ).toBeInTheDocument();
    const months = within(
      screen.getByRole('table', { name: 'Onboarding cohorts by start month' }),
    );
    expect(
      within(months.getByText('2026-10').closest('tr')!)
        .getAllByRole('cell')
        .map(c => c.textContent),
    ).toEqual(['2026-10', '2', '0', '—', '0', '—']);
    expect(
      csvOf(
        screen.getByRole('link', {
          name: 'Download Onboarding by team as CSV',
        }),
      ),
    ).toBe(
      'Team,New users,With a first change,Days to first change (median),With 10 changes,Days to change 10 (median)\r\nStorefront,4,5,5,2,41\r\n',
    );
  });

  it('names the delivery source when it has delivered nothing', async () => {
    server.use(
      http.get(`${API}/metrics/delivery`, () =>
        HttpResponse.json(emptyDelivery),
      ),
    );
    renderDevex(<DeliveryTab />);
    expect(
      await screen.findByText(
        'No deployments or merged changes yet: Delivery events (GitHub, GitLab, PagerDuty) has not delivered anything',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Evidence' })).toBeNull();
  });

  it('says when the figures are from an index still reading a large import', async () => {
    server.use(
      http.get(`${API}/metrics/delivery`, () =>
        HttpResponse.json({
          ...emptyDelivery,
          indexing: { factsBehind: 12345 },
        }),
      ),
    );
    renderDevex(<DeliveryTab />);
    expect(
      await screen.findByText(/^Still reading 12,345 stored delivery facts/),
    ).toBeInTheDocument();
    // Zeros while reading are not "nothing delivered".
    expect(screen.queryByText(/has not delivered anything/)).toBeNull();
  });

  it('says when the reader may not see the figures', async () => {
    server.use(
      http.get(`${API}/metrics/delivery`, () =>
        HttpResponse.json(
          { error: { name: 'NotAllowedError', message: 'Denied' } },
          { status: 403 },
        ),
      ),
    );
    renderDevex(<DeliveryTab />);
    expect(
      await screen.findByText('You may not see DevEx figures'),
    ).toBeInTheDocument();
  });
});
