import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { teamSummary } from '../../__testUtils__/fixtures';
import { API, groups, renderDevex } from '../../__testUtils__/render';
import { EntityDevexTeamCard } from './EntityDevexTeamCard';

describe('EntityDevexTeamCard', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const asked: URL[] = [];
  beforeEach(() => {
    asked.length = 0;
  });

  function answer(body: object) {
    server.use(
      http.get(`${API}/teams/summary`, ({ request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json(body);
      }),
    );
  }

  it("shows the team's headline figures for the last 30 days and links to its Team tab", async () => {
    answer(teamSummary);
    renderDevex(
      <EntityProvider entity={groups[0]}>
        <EntityDevexTeamCard />
      </EntityProvider>,
    );
    expect(await screen.findByLabelText('Active users')).toHaveTextContent(
      '12 of 15',
    );
    expect(screen.getByLabelText('Golden-path runs')).toHaveTextContent('30');
    expect(screen.getByLabelText('Success rate')).toHaveTextContent('89%');
    expect(screen.getByLabelText('Time saved')).toHaveTextContent('4 d 4 h');
    expect(screen.getByLabelText('Time to Ready (p50)')).toHaveTextContent(
      '40 s',
    );
    expect(asked[0].searchParams.get('team')).toBe(
      'group:default/team-storefront',
    );
    expect(
      screen.getByRole('link', { name: 'All DevEx figures for this team' }),
    ).toHaveAttribute(
      'href',
      '/devex/team?range=30&team=group%3Adefault%2Fteam-storefront',
    );
  });

  it('says why a team below the privacy minimum has no figures', async () => {
    answer({
      ...teamSummary,
      folded: true,
      members: 2,
      activeUsers: null,
      goldenPathRuns: null,
    });
    renderDevex(
      <EntityProvider entity={groups[0]}>
        <EntityDevexTeamCard />
      </EntityProvider>,
    );
    expect(
      await screen.findByText(/with 2 members it is below the privacy minimum/),
    ).toBeInTheDocument();
    expect(screen.queryByLabelText('Golden-path runs')).toBeNull();
  });
});
