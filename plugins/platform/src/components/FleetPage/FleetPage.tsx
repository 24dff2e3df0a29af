import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { usePermission } from '@backstage/plugin-permission-react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import RefreshIcon from '@mui/icons-material/Refresh';
import {
  platformRolloutCreatePermission,
  resourceSignalChannel,
  Rollout,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { useKeptAsync } from '../../hooks/useKeptAsync';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useSignalChannels } from '../../hooks/useSignalChannels';
import { catalogRouteRef } from '../../routes';
import { CapabilityFleetCard } from './CapabilityFleetCard';
import { RolloutCard } from './RolloutCard';
import { ROLLOUT_FORBIDDEN, StartRolloutDialog } from './StartRolloutDialog';
import { CapabilityFleet, groupFleet } from './fleet';

/** Signals from a busy rollout arrive in bursts; one refresh per burst. */
const SIGNAL_COALESCE_MS = 500;
/** Channels watched at most, so a huge rollout does not flood the socket. */
const MAX_WATCHED = 200;

/**
 * The fleet: every capability's instances by version and phase, which are
 * behind, and day-2 upgrade rollouts. Running rollouts refresh when the
 * resources they upgrade signal a change (no timer); Refresh does it by hand.
 */
export const FleetPage = () => {
  usePageTitle('Fleet', 'Platform');
  const api = useApi(platformApiRef);
  const catalogLink = useRouteRef(catalogRouteRef);
  const [version, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion(v => v + 1), []);

  const data = useKeptAsync(
    async () => {
      const [summary, capabilities] = await Promise.all([
        api.getFleetSummary(),
        api.listCapabilities(),
      ]);
      return { summary, capabilities };
    },
    [api, version],
    'fleet',
  );
  const rollouts = useKeptAsync(
    () => api.listRollouts(),
    [api, version],
    'rollouts',
  );
  const canRollout = usePermission({
    permission: platformRolloutCreatePermission,
  });
  let rolloutReason: string | undefined;
  if (canRollout.loading) rolloutReason = 'Checking your permissions…';
  else if (!canRollout.allowed) rolloutReason = ROLLOUT_FORBIDDEN;
  const [starting, setStarting] = useState<CapabilityFleet>();

  const fleets = useMemo(
    () =>
      data.value ? groupFleet(data.value.summary, data.value.capabilities) : [],
    [data.value],
  );
  const capabilities = useMemo(
    () => new Map((data.value?.capabilities ?? []).map(c => [c.ref, c])),
    [data.value],
  );

  // Watch the resources that active rollouts are about to change.
  const watched = useMemo(
    () =>
      (rollouts.value ?? [])
        .filter(r => r.status === 'Running')
        .flatMap(r => r.items)
        .filter(i => i.status === 'Pending' || i.status === 'Upgrading')
        .slice(0, MAX_WATCHED)
        .map(i => resourceSignalChannel(i.resourceId)),
    [rollouts.value],
  );
  const pending = useRef<ReturnType<typeof setTimeout>>();
  const onSignal = useCallback(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      refresh();
    }, SIGNAL_COALESCE_MS);
  }, [refresh]);
  useEffect(() => () => clearTimeout(pending.current), []);
  const live = useSignalChannels(watched, onSignal);

  const onRolloutChanged = () => refresh();

  if (!data.value) {
    if (data.loading) return <Progress />;
    return (
      <ResponseErrorPanel
        error={data.error ?? new Error('No fleet')}
        title="Could not load the fleet"
      />
    );
  }

  const activeRollouts = rollouts.value ?? [];
  const sortedRollouts = [...activeRollouts].sort((a, b) =>
    b.createdAt.localeCompare(a.createdAt),
  );

  return (
    <Stack spacing={3} component="section" aria-label="Fleet">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography variant="body2" color="text.secondary" sx={{ flexGrow: 1 }}>
          {live
            ? 'Running rollouts update as their instances change.'
            : 'Live updates are off in this app; use Refresh to see progress.'}
        </Typography>
        <Button
          startIcon={<RefreshIcon />}
          onClick={refresh}
          disabled={data.loading || rollouts.loading}
        >
          Refresh
        </Button>
      </Box>
      {data.error && (
        <Alert severity="warning">
          Showing the last known fleet: refreshing failed ({data.error.message}
          ).
        </Alert>
      )}
      {fleets.length === 0 ? (
        <EmptyState
          missing="data"
          title="No instances yet"
          description="The fleet shows every capability's instances by version and phase once resources have been requested."
          action={
            <Button
              variant="contained"
              component={RouterLink}
              to={catalogLink()}
            >
              Browse the service catalog
            </Button>
          }
        />
      ) : (
        fleets.map(fleet => (
          <CapabilityFleetCard
            key={fleet.capabilityRef}
            fleet={fleet}
            rolloutReason={rolloutReason}
            onStartRollout={() => setStarting(fleet)}
          />
        ))
      )}
      <Box component="section" aria-label="Rollouts">
        <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
          Rollouts
        </Typography>
        {rollouts.error && (
          <Alert severity="error" sx={{ mb: 1 }}>
            Could not load rollouts: {rollouts.error.message}
          </Alert>
        )}
        {!rollouts.value && rollouts.loading && <Progress />}
        {rollouts.value && sortedRollouts.length === 0 && (
          <Typography color="text.secondary">
            No rollouts yet. Start one from a capability above to move its
            instances to another version.
          </Typography>
        )}
        <Stack spacing={2}>
          {sortedRollouts.map((rollout: Rollout) => (
            <RolloutCard
              key={rollout.id}
              rollout={rollout}
              capabilityTitle={
                capabilities.get(rollout.capabilityRef)?.title ??
                rollout.capabilityRef
              }
              capability={capabilities.get(rollout.capabilityRef)}
              controlReason={rolloutReason}
              onChanged={onRolloutChanged}
            />
          ))}
        </Stack>
      </Box>
      {starting?.capability && (
        <StartRolloutDialog
          capability={starting.capability}
          fleet={starting}
          onClose={() => setStarting(undefined)}
          onStarted={() => {
            setStarting(undefined);
            refresh();
          }}
        />
      )}
    </Stack>
  );
};
