import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import {
  Capability,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import {
  EngineCredentialsError,
  useEngineToken,
} from '../../hooks/useEngineToken';
import { WithReason } from '../shared/WithReason';
import { messageOf, statusOf } from '../shared/errors';
import { formatDateTime } from '../shared/format';
import { providerTitle } from '../shared/providers';

/** "the cluster prod-eu" when the engine says where, else the engine. */
function targetOf(resource: PlatformResource, capability?: Capability) {
  const cluster = resource.engineRef?.cluster;
  if (cluster) return `the cluster ${cluster}`;
  const engine = capability?.engine ?? resource.capabilityRef.split(':')[0];
  return `the ${engine} engine`;
}

/**
 * A change the platform accepted but has not handed to the engine yet
 * (`resource.pending`), and a way to hand it over now: with the viewer's
 * credentials when the engine acts as the user, or after an outage.
 */
export const PendingNotice = (props: {
  resource: PlatformResource;
  capability: Capability | undefined;
  /** Why the viewer cannot retry, when they cannot. */
  retryReason: string | undefined;
  onRetried: (resource: PlatformResource) => void;
}) => {
  const { resource, capability, retryReason, onRetried } = props;
  const api = useApi(platformApiRef);
  const engineToken = useEngineToken();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const pending = resource.pending;
  if (!pending) return null;

  const change = pending.action === 'delete' ? 'deletion' : 'change';
  const retry = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      onRetried(
        await api.retryResource(resource.id, {
          engineToken: await engineToken(capability),
        }),
      );
    } catch (error) {
      if (error instanceof EngineCredentialsError) {
        setProblem(`${error.message} Nothing was changed.`);
      } else if (statusOf(error) === 403) {
        setProblem(
          `You are not allowed to hand this ${change} over. ${messageOf(
            error,
          )}`,
        );
      } else {
        setProblem(`Retrying failed: ${messageOf(error)}`);
      }
    } finally {
      setBusy(false);
    }
  };

  const button = (label: string) => (
    <WithReason reason={retryReason}>
      <Button
        color="inherit"
        size="small"
        onClick={retry}
        disabled={busy || Boolean(retryReason)}
      >
        {busy ? 'Retrying…' : label}
      </Button>
    </WithReason>
  );

  let notice;
  if (pending.state === 'awaiting-credentials') {
    const provider = capability?.userAuth?.provider;
    const token = provider ? `${providerTitle(provider)} token` : 'token';
    notice = (
      <Alert
        severity="warning"
        role="status"
        aria-label="Pending change"
        action={button('Retry with my credentials')}
      >
        Waiting for your credentials: {targetOf(resource, capability)} makes
        this {change} with the requester's own identity, and the platform holds
        no valid {token} for it (tokens are kept only until they expire). Retry
        with your credentials to hand it over
        {pending.message ? ` (${pending.message})` : ''}.
      </Alert>
    );
  } else if (pending.state === 'retrying') {
    const next = pending.nextAttemptAt
      ? `next try at ${formatDateTime(pending.nextAttemptAt)}`
      : 'it will be tried again';
    notice = (
      <Alert
        severity="warning"
        role="status"
        aria-label="Pending change"
        action={button('Retry now')}
      >
        The engine could not be reached (attempt {pending.attempts}); {next}
        {pending.message ? `: ${pending.message}` : '.'}
      </Alert>
    );
  } else {
    notice = (
      <Typography
        variant="body2"
        color="text.secondary"
        role="status"
        aria-label="Pending change"
      >
        This {change} is queued for the engine.
      </Typography>
    );
  }

  return (
    <Box sx={{ mb: 2, display: 'flex', flexDirection: 'column', gap: 1 }}>
      {notice}
      {problem && (
        <Alert
          severity="error"
          role="alert"
          onClose={() => setProblem(undefined)}
        >
          {problem}
        </Alert>
      )}
    </Box>
  );
};
