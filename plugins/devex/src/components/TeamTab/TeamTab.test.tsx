import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import {
  adoption,
  goldenPaths,
  serviceLevels,
} from '../../__testUtils__/fixtures';
import { delivery, onboarding } from '../../__testUtils__/deliveryFixtures';
import { API, csvOf, renderDevex } from '../../__testUtils__/render';
import { TeamTab } from './TeamTab';

describe('TeamTab', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const asked: URL[] = [];
  beforeEach(() => {
    window.sessionStorage.clear();
    asked.length = 0;
    const answer =
      (body: object) =>
      ({ request }: { request: Request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json(body);
      };
    server.use(
      http.get(`${API}/metrics/adoption`, answer(adoption)),
      http.get(`${API}/metrics/golden-paths`, answer(goldenPaths)),
      http.get(`${API}/metrics/service-levels`, answer(serviceLevels)),
      http.get(`${API}/metrics/delivery`, answer(delivery)),
      http.get(`${API}/metrics/onboarding`, answer(onboarding)),
    );
  });

  it('asks for a team first', async () => {
    renderDevex(<TeamTab />, { path: '/devex/team' });
    expect(
      await screen.findByText(/Choose a team above to see its adoption/),
    ).toBeInTheDocument();
    expect(asked).toHaveLength(0);
  });

  it("joins one team's figures from every area, each linking to its tab", async () => {
    renderDevex(<TeamTab />, {
      path: '/devex/team?range=30&team=group:default/team-storefront',
    });
    const deliveryArea = within(
      await screen.findByRole('region', { name: 'Delivery' }),
    );
    expect(
      await deliveryArea.findByLabelText('Deployment frequency', {
        selector: 'p',
      }),
    ).toHaveTextContent('9.3 / week');
    expect(
      within(
        deliveryArea.getByRole('region', { name: 'Lead time for changes' }),
      ).getByLabelText('Tier: Elite'),
    ).toBeInTheDocument();
    const adoptionArea = within(
      screen.getByRole('region', { name: 'Adoption' }),
    );
    expect(
      await adoptionArea.findByLabelText('Active users', { selector: 'p' }),
    ).toHaveTextContent('42 of 120');
    expect(
      within(screen.getByRole('region', { name: 'Onboarding' })).getByLabelText(
        'Days to first change',
        { selector: 'p' },
      ),
    ).toHaveTextContent('9.5 d');
    expect(
      adoptionArea.getByRole('link', { name: 'All adoption figures' }),
    ).toHaveAttribute(
      'href',
      '/devex/adoption?range=30&team=group:default/team-storefront',
    );
    // Every report was asked for this team only.
    expect(asked.length).toBeGreaterThanOrEqual(5);
    for (const url of asked) {
      expect(url.searchParams.get('team')).toBe(
        'group:default/team-storefront',
      );
    }
    const csv = csvOf(
      screen.getByRole('link', {
        name: 'Download All figures of the team as CSV',
      }),
    );
    expect(csv).toContain('Delivery,Deployment frequency,9.3,high\r\n');
    expect(csv).toContain('Adoption,Active users,42,\r\n');
  });
});
