import { useState } from 'react';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import {
  SecretsContextProvider,
  useTemplateSecrets,
} from '@backstage/plugin-scaffolder-react';
import { Capability } from '@trellis/backstage-plugin-platform-common';
import { platformEngineAuthApiRef } from '../../engineAuth';
import { API, postgres } from '../../__testUtils__/fixtures';
import { renderPlatform } from '../../__testUtils__/render';
import { EngineCredentialsField } from './EngineCredentialsField';

const kubePostgres: Capability = {
  ...postgres,
  ref: 'kubernetes:postgresql',
  engine: 'kubernetes',
  userAuth: { provider: 'okta' },
};

/** The field in a form of one, showing the value and the secrets. */
const Form = (props: { capabilityRef: string }) => {
  const [value, setValue] = useState<string>();
  const { secrets } = useTemplateSecrets();
  return (
    <>
      <EngineCredentialsField
        {...({} as any)}
        schema={{ title: 'Credentials' }}
        uiSchema={{ 'ui:options': { capabilityRef: props.capabilityRef } }}
        formData={value}
        onChange={setValue}
      />
      <output aria-label="Value">{value ?? ''}</output>
      <output aria-label="Secrets">{JSON.stringify(secrets)}</output>
    </>
  );
};

describe('EngineCredentialsField', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  let getToken: jest.Mock;

  beforeEach(() => {
    getToken = jest.fn(async () => 'alice-id-token');
    server.use(
      http.get(`${API}/capabilities/:ref`, ({ params }) =>
        HttpResponse.json(
          params.ref === kubePostgres.ref ? kubePostgres : postgres,
        ),
      ),
    );
  });

  const render = (capabilityRef: string) =>
    renderPlatform(
      <SecretsContextProvider>
        <Form capabilityRef={capabilityRef} />
      </SecretsContextProvider>,
      { apis: [[platformEngineAuthApiRef, { getToken }]] },
    );

  it('keeps the user’s token as a template secret when the engine acts as the user', async () => {
    render(kubePostgres.ref);
    expect(
      await screen.findByText(
        /Your Okta identity goes along with this request/,
      ),
    ).toBeInTheDocument();
    expect(getToken).toHaveBeenCalledWith('okta');
    expect(screen.getByLabelText('Secrets')).toHaveTextContent(
      '{"platformEngineToken":"alice-id-token"}',
    );
    expect(screen.getByLabelText('Value')).toHaveTextContent('okta');
  });

  it('needs nothing when the platform makes the changes', async () => {
    render(postgres.ref);
    expect(
      await screen.findByText(
        'PostgreSQL database does not need your own credentials.',
      ),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByLabelText('Value')).toHaveTextContent('not-needed'),
    );
    expect(screen.getByLabelText('Secrets')).toHaveTextContent('{}');
    expect(getToken).not.toHaveBeenCalled();
  });

  it('offers to sign in again when the user declined', async () => {
    getToken.mockRejectedValueOnce(new Error('Login failed, popup was closed'));
    render(kubePostgres.ref);
    expect(
      await screen.findByText(
        'Could not get your Okta credentials (Login failed, popup was closed).',
      ),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Value')).toHaveTextContent('');

    await userEvent.click(
      screen.getByRole('button', { name: 'Sign in with Okta' }),
    );
    expect(
      await screen.findByText(
        /Your Okta identity goes along with this request/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Secrets')).toHaveTextContent(
      '{"platformEngineToken":"alice-id-token"}',
    );
  });
});
