import { useEffect } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { useApi } from '@backstage/core-plugin-api';
import {
  FieldExtensionComponentProps,
  useTemplateSecrets,
} from '@backstage/plugin-scaffolder-react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormHelperText from '@mui/material/FormHelperText';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import { platformApiRef } from '../../api';
import { useEngineToken } from '../../hooks/useEngineToken';
import { providerTitle } from '../shared/providers';

/** The `ui:field` name templates use. */
export const ENGINE_CREDENTIALS_FIELD = 'PlatformEngineCredentials';

/**
 * The template secret the token is kept in; templates pass
 * `engineToken: ${{ secrets.platformEngineToken }}` to
 * `platform:resource:request`.
 */
export const ENGINE_TOKEN_SECRET = 'platformEngineToken';

/** The field's value when the capability's engine needs no user token. */
export const CREDENTIALS_NOT_NEEDED = 'not-needed';

/** `ui:options` of the field. */
export interface EngineCredentialsFieldOptions {
  /** The capability the template requests, e.g. `kubernetes:postgresql`. */
  capabilityRef?: string;
}

/**
 * Gets the user's own token for a capability whose engine acts with the
 * user's identity and keeps it as the template secret
 * {@link ENGINE_TOKEN_SECRET} (secrets never appear in the task's
 * parameters). The field's value says whose credentials go along: the
 * provider id, or {@link CREDENTIALS_NOT_NEEDED}; mark it `required` in the
 * template so the form waits for the sign-in.
 */
export const EngineCredentialsField = (
  props: FieldExtensionComponentProps<string, EngineCredentialsFieldOptions>,
) => {
  const { uiSchema, formData, onChange, rawErrors, schema } = props;
  const capabilityRef = uiSchema?.['ui:options']?.capabilityRef;
  const api = useApi(platformApiRef);
  const engineToken = useEngineToken();
  const { setSecrets } = useTemplateSecrets();

  const capability = useAsync(
    async () => (capabilityRef ? api.getCapability(capabilityRef) : undefined),
    [api, capabilityRef],
  );
  const value = capability.value;
  const [signIn, startSignIn] = useAsyncFn(async () => {
    const token = await engineToken(value);
    if (token) setSecrets({ [ENGINE_TOKEN_SECRET]: token });
    return token;
  }, [engineToken, setSecrets, value]);

  // Signed in already (usually): the token comes without a prompt. Else the
  // app's sign-in dialog asks the user.
  useEffect(() => {
    if (value?.userAuth) startSignIn();
  }, [value, startSignIn]);

  let wanted: string | undefined;
  if (value && !value.userAuth) wanted = CREDENTIALS_NOT_NEEDED;
  else if (value?.userAuth && signIn.value) wanted = value.userAuth.provider;
  useEffect(() => {
    if (wanted !== formData) onChange(wanted);
  }, [wanted, formData, onChange]);

  let body;
  if (!capabilityRef) {
    body = (
      <Alert severity="error">
        The template does not say which capability it requests: set
        ui:options.capabilityRef on this field.
      </Alert>
    );
  } else if (capability.loading) {
    body = <Skeleton variant="text" width="60%" />;
  } else if (capability.error || !value) {
    body = (
      <Alert severity="error">
        Could not check whether {capabilityRef} needs your credentials:{' '}
        {capability.error?.message ?? 'no such capability'}
      </Alert>
    );
  } else if (!value.userAuth) {
    body = (
      <Typography variant="body2" color="text.secondary">
        {value.title} does not need your own credentials.
      </Typography>
    );
  } else {
    const provider = providerTitle(value.userAuth.provider);
    if (signIn.value) {
      body = (
        <Alert severity="success">
          Your {provider} identity goes along with this request: {value.title}{' '}
          is created with it, so the cluster's RBAC applies to you.
        </Alert>
      );
    } else if (signIn.error) {
      body = (
        <Alert
          severity="error"
          action={
            <Button color="inherit" size="small" onClick={startSignIn}>
              Sign in with {provider}
            </Button>
          }
        >
          {signIn.error.message}
        </Alert>
      );
    } else {
      body = (
        <Typography variant="body2" color="text.secondary">
          Getting your {provider} credentials…
        </Typography>
      );
    }
  }

  return (
    <Box sx={{ mb: 2 }}>
      <Typography variant="subtitle1" component="p">
        {schema.title ?? 'Your credentials'}
      </Typography>
      {schema.description && (
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {schema.description}
        </Typography>
      )}
      {body}
      {rawErrors?.length ? (
        <FormHelperText error>{rawErrors.join(' ')}</FormHelperText>
      ) : null}
    </Box>
  );
};
