import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  delivery,
  emptyDelivery,
  figures,
} from '../../__testUtils__/deliveryFixtures';
import { API, renderDevex } from '../../__testUtils__/render';
import { EntityDevexDeliveryCard } from './EntityDevexDeliveryCard';

const ledger = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'ledger-service', namespace: 'default' },
  spec: { type: 'service', owner: 'team-payments', lifecycle: 'production' },
};

describe('EntityDevexDeliveryCard', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const asked: URL[] = [];
  beforeEach(() => {
    asked.length = 0;
  });

  function answer(body: object, status = 200) {
    server.use(
      http.get(`${API}/metrics/delivery`, ({ request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json(body, { status });
      }),
    );
  }

  const render = () =>
    renderDevex(
      <EntityProvider entity={ledger}>
        <EntityDevexDeliveryCard />
      </EntityProvider>,
    );

  it("shows the component's DORA figures with tiers for the last 30 days", async () => {
    const mine = figures({ perWeek: 4.2, deployments: 18, leadP50: 26 * 3600 });
    answer({
      ...delivery,
      totals: mine,
      components: [
        {
          ...mine,
          component: 'component:default/ledger-service',
          team: 'group:default/team-payments',
          goldenPath: true,
        },
      ],
      byTeam: [],
    });
    render();
    expect(
      await screen.findByLabelText('Deployment frequency', { selector: 'p' }),
    ).toHaveTextContent('4.2 / week');
    expect(
      screen.getByLabelText('Lead time for changes', { selector: 'p' }),
    ).toHaveTextContent('26 h');
    expect(screen.getAllByLabelText('Tier: Elite')).toHaveLength(3);
    expect(screen.getByLabelText('Tier: High')).toBeInTheDocument();
    expect(
      screen.getByText('18 successful production deployments'),
    ).toBeInTheDocument();
    expect(screen.getByText('Created from a golden path.')).toBeInTheDocument();
    expect(asked[0].searchParams.get('component')).toBe(
      'component:default/ledger-service',
    );
    const from = new Date(`${asked[0].searchParams.get('from')}T00:00:00`);
    const to = new Date(`${asked[0].searchParams.get('to')}T00:00:00`);
    expect(Math.round((to.getTime() - from.getTime()) / 86_400_000)).toBe(29);
    expect(
      screen.getByRole('link', {
        name: 'Charts and the evidence on the Delivery tab',
      }),
    ).toHaveAttribute(
      'href',
      '/devex/delivery?range=30&team=group%3Adefault%2Fteam-payments',
    );
  });

  it('says where delivery comes from when the component has none', async () => {
    answer(emptyDelivery);
    render();
    const status = await screen.findByRole('status');
    expect(status).toHaveTextContent(
      'No deployments, merged changes or incidents of this component in the last 30 days',
    );
    expect(
      within(status).getByText('github.com/project-slug'),
    ).toBeInTheDocument();
  });

  it('says when the reader may not see DevEx figures', async () => {
    answer({ error: { name: 'NotAllowedError', message: 'Denied' } }, 403);
    render();
    expect(
      await screen.findByText(
        'You may not see DevEx figures (devex.metrics.read).',
      ),
    ).toBeInTheDocument();
  });

  it('says when the figures cannot be read', async () => {
    answer({ error: { name: 'Error', message: 'database is down' } }, 500);
    render();
    expect(
      await screen.findByText(/^Delivery figures unavailable: /),
    ).toBeInTheDocument();
  });
});
