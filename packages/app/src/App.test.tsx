import { render, screen, waitFor } from '@testing-library/react';
import App from './App';
import { withConfig } from './testConfig';

// The app reads its config once per module instance: the production sign-in
// is checked in App.production.test.tsx.
describe('App', () => {
  it('opens on the sign-in page with guest sign-in, the Enter button focused', async () => {
    withConfig({});
    render(App.createRoot());

    expect(await screen.findByText('ACME portal')).toBeInTheDocument();
    const enter = await screen.findByRole('button', { name: /enter/i });
    expect(screen.getByText('Guest')).toBeInTheDocument();
    expect(screen.queryByText('GitHub')).not.toBeInTheDocument();
    await waitFor(() => expect(enter).toHaveFocus());
  });
});
