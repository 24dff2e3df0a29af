import { screen, within } from '@testing-library/react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { scaffolderApiRef } from '@backstage/plugin-scaffolder-react';
import { renderPlatform } from '../../__testUtils__/render';
import { GoldenPathsPage } from './GoldenPathsPage';
import {
  otherTemplate,
  platformTemplate,
  task,
} from '../../__testUtils__/templates';

describe('GoldenPathsPage', () => {
  const tasks = [
    task('completed', 60),
    task('completed', 120),
    task('completed', 180),
    task('failed', 30),
  ];

  it('shows progress while the catalog loads', async () => {
    renderPlatform(<GoldenPathsPage />, {
      apis: [
        [catalogApiRef, { getEntities: () => new Promise(() => {}) }],
        [scaffolderApiRef, { listTasks: async () => ({ tasks: [] }) }],
      ],
    });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('lists the templates that use platform actions with their statistics', async () => {
    const listTasks = jest.fn(async () => ({ tasks, totalTasks: 4 }));
    renderPlatform(<GoldenPathsPage />, {
      apis: [
        catalogApiMock({ entities: [platformTemplate, otherTemplate] }),
        [scaffolderApiRef, { listTasks }],
      ],
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
    expect(within(row).getByText('4')).toBeInTheDocument();
    expect(table.queryByText('docs-site')).not.toBeInTheDocument();
    expect(listTasks).toHaveBeenCalledWith({
      filterByOwnership: 'all',
      limit: 500,
      offset: 0,
    });
  });

  it('still lists the templates when the scaffolder fails', async () => {
    renderPlatform(<GoldenPathsPage />, {
      apis: [
        catalogApiMock({ entities: [platformTemplate] }),
        [
          scaffolderApiRef,
          {
            listTasks: async () => {
              throw new Error('scaffolder is down');
            },
          },
        ],
      ],
    });
    expect(
      await screen.findByText('Run statistics unavailable: scaffolder is down'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Request PostgreSQL database' }),
    ).toBeInTheDocument();
  });

  it('explains what belongs here when no template uses the platform', async () => {
    renderPlatform(<GoldenPathsPage />, {
      apis: [
        catalogApiMock({ entities: [otherTemplate] }),
        [scaffolderApiRef, { listTasks: async () => ({ tasks: [] }) }],
      ],
    });
    expect(
      await screen.findByText('No golden paths use the platform yet'),
    ).toBeInTheDocument();
  });

  it('shows catalog errors', async () => {
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
