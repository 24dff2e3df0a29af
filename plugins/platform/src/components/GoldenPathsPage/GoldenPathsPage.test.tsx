import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { GoldenPathsReport } from '@trellis/backstage-plugin-devex-common';
import { renderPlatform } from '../../__testUtils__/render';
import { GoldenPathsPage } from './GoldenPathsPage';
import { otherTemplate, platformTemplate } from '../../__testUtils__/templates';

const figures = {
  runs: 5,
  completed: 3,
  failed: 1,
  cancelled: 1,
  successRate: 0.75,
  medianDurationSeconds: 90,
  p90DurationSeconds: 170,
  timeSavedSeconds: 3 * 2 * 3600,
};

const report: GoldenPathsReport = {
  query: { from: '2026-09-03', to: '2026-12-01' },
  totals: figures,
  series: [],
  templates: [
    {
      templateRef: 'template:default/request-local-postgresql',
      ...figures,
      topFailures: [],
    },
  ],
  byTeam: [],
  topFailures: [],
  sources: [],
};

describe('GoldenPathsPage', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const asked: URL[] = [];
  beforeEach(() => {
    asked.length = 0;
  });

  function devex(respond: () => Response) {
    server.use(
      http.get('*/api/devex/metrics/golden-paths', ({ request }) => {
        asked.push(new URL(request.url));
        return respond();
      }),
    );
  }

  it('shows progress while the catalog loads', async () => {
    devex(() => HttpResponse.json(report));
    renderPlatform(<GoldenPathsPage />, {
      apis: [[catalogApiRef, { getEntities: () => new Promise(() => {}) }]],
    });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('lists the templates that use platform actions with their DevEx figures', async () => {
    devex(() => HttpResponse.json(report));
    renderPlatform(<GoldenPathsPage />, {
      apis: [catalogApiMock({ entities: [platformTemplate, otherTemplate] })],
    });

    const table = within(
      await screen.findByRole('table', { name: 'Golden paths' }),
    );
    const row = table
      .getByRole('link', { name: 'Request PostgreSQL database' })
      .closest('tr')!;
    expect(
      within(row).getByRole('link', { name: 'Request PostgreSQL database' }),
    ).toHaveAttribute(
      'href',
      '/create/templates/default/request-local-postgresql',
    );
    expect(row).toHaveTextContent('platform:resource:request');
    expect(await within(row).findByText('75%')).toBeInTheDocument();
    expect(within(row).getByText('1 min 30 s')).toBeInTheDocument();
    expect(within(row).getByText('6 h')).toBeInTheDocument();
    expect(within(row).getByText('5')).toBeInTheDocument();
    expect(table.queryByText('docs-site')).not.toBeInTheDocument();
    expect(
      screen.getByText(/Runs of the last 90 days, as DevEx measured them/),
    ).toBeInTheDocument();
    // One question for a range of days, not the scaffolder's whole task list.
    expect(asked).toHaveLength(1);
    expect(asked[0].searchParams.get('from')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('says DevEx is not installed instead of showing zeros', async () => {
    devex(() =>
      HttpResponse.json(
        { error: { name: 'NotFoundError', message: 'Not found' } },
        { status: 404 },
      ),
    );
    renderPlatform(<GoldenPathsPage />, {
      apis: [catalogApiMock({ entities: [platformTemplate] })],
    });
    expect(
      await screen.findByText(
        /which this portal's backend\s+does not have, so there are none here/,
      ),
    ).toBeInTheDocument();
    const row = screen
      .getByRole('link', { name: 'Request PostgreSQL database' })
      .closest('tr')!;
    expect(within(row).queryByText('0')).not.toBeInTheDocument();
    expect(within(row).getAllByText('—').length).toBeGreaterThan(0);
  });

  it('still lists the templates when DevEx fails', async () => {
    devex(() =>
      HttpResponse.json(
        {
          error: { name: 'Error', message: 'devex is down' },
          response: { statusCode: 503 },
        },
        { status: 503 },
      ),
    );
    renderPlatform(<GoldenPathsPage />, {
      apis: [catalogApiMock({ entities: [platformTemplate] })],
    });
    expect(
      await screen.findByText(/Run statistics unavailable: .*503/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Request PostgreSQL database' }),
    ).toBeInTheDocument();
  });

  it('explains what belongs here when no template uses the platform', async () => {
    devex(() => HttpResponse.json(report));
    renderPlatform(<GoldenPathsPage />, {
      apis: [catalogApiMock({ entities: [otherTemplate] })],
    });
    expect(
      await screen.findByText('No golden paths use the platform yet'),
    ).toBeInTheDocument();
  });

  it('shows catalog errors', async () => {
    devex(() => HttpResponse.json(report));
    renderPlatform(<GoldenPathsPage />, {
      apis: [
        [
          catalogApiRef,
          {
            getEntities: async () => {
              throw new Error('catalog is down');
            },
          },
        ],
      ],
    });
    expect(
      await screen.findByText(/Could not load templates from the catalog/),
    ).toBeInTheDocument();
  });
});
