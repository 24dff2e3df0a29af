import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { testRoutes } from '../../__testUtils__/render';
import { EntityLink } from './EntityLink';

describe('EntityLink', () => {
  it('links a user to their catalog page', async () => {
    await renderInTestApp(
      <EntityLink entityRef="user:default/alice" defaultKind="user" />,
      { mountedRoutes: testRoutes },
    );
    expect(screen.getByRole('link', { name: 'alice' })).toHaveAttribute(
      'href',
      '/catalog/default/user/alice',
    );
  });

  it.each([
    ['plugin:platform', 'platform (Backstage plugin)'],
    ['external:release-agent', 'release-agent (service principal)'],
  ])(
    'names %s as a principal, without a link to an entity that does not exist',
    async (ref, text) => {
      await renderInTestApp(<EntityLink entityRef={ref} defaultKind="user" />, {
        mountedRoutes: testRoutes,
      });
      expect(screen.getByText(text)).toBeInTheDocument();
      expect(screen.queryByRole('link')).not.toBeInTheDocument();
    },
  );
});
