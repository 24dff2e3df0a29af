import { render, screen } from '@testing-library/react';
import App from './App';
import { withConfig } from './testConfig';

describe('App in production', () => {
  it('offers GitHub where it is configured, and no guest sign-in', async () => {
    withConfig({
      auth: {
        environment: 'production',
        providers: { github: { production: { clientId: 'abc' } } },
      },
    });
    render(App.createRoot());

    expect(await screen.findByText('GitHub')).toBeInTheDocument();
    expect(screen.queryByText('Guest')).not.toBeInTheDocument();
  });
});
