import { render, waitFor } from '@testing-library/react';
import { configApiRef } from '@backstage/core-plugin-api';
import { mockApis, TestApiProvider } from '@backstage/test-utils';
import { usePageTitle } from './usePageTitle';

const Page = (props: { name?: string }) => {
  usePageTitle(props.name ?? 'Resource', 'Resources', 'Platform');
  return null;
};

const inApp = (name?: string) => (
  <TestApiProvider
    apis={[
      [configApiRef, mockApis.config({ data: { app: { title: 'Trellis' } } })],
    ]}
  >
    <Page name={name} />
  </TestApiProvider>
);

describe('usePageTitle', () => {
  it('names the tab with the full name once it is known, and gives the tab back on leaving', async () => {
    document.title = 'Trellis';
    const name = 'orders-reporting-replica-database-for-the-quarterly-close';
    const { rerender, unmount } = render(inApp());
    expect(document.title).toBe('Resource | Resources | Platform | Trellis');

    rerender(inApp(name));
    expect(document.title).toBe(`${name} | Resources | Platform | Trellis`);
    // Still so after the frame in which an enclosing Header writes its own.
    await waitFor(() =>
      expect(document.title).toBe(`${name} | Resources | Platform | Trellis`),
    );

    unmount();
    expect(document.title).toBe('Trellis');
  });
});
