import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/core-plugin-api';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Grid from '@mui/material/Grid';
import InputAdornment from '@mui/material/InputAdornment';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import SearchIcon from '@mui/icons-material/Search';
import {
  Capability,
  FleetSummary,
} from '@trellis/backstage-plugin-platform-common';
import { usePageTitle } from '../../hooks/usePageTitle';
import { platformApiRef } from '../../api';
import { CapabilityCard } from './CapabilityCard';
import { EnginesPanel } from './EnginesPanel';
import { plural } from '../shared/format';

function matches(capability: Capability, query: string): boolean {
  const needle = query.trim().toLocaleLowerCase();
  if (!needle) return true;
  return [
    capability.title,
    capability.ref,
    capability.description ?? '',
    capability.engine,
    ...capability.tags,
  ].some(text => text.toLocaleLowerCase().includes(needle));
}

/** Instances per capability; deleted ones are not counted by the fleet. */
function instanceCounts(fleet: FleetSummary | undefined) {
  const counts = new Map<string, number>();
  for (const item of fleet?.items ?? []) {
    if (item.phase === 'Deleted') continue;
    counts.set(
      item.capabilityRef,
      (counts.get(item.capabilityRef) ?? 0) + item.count,
    );
  }
  return counts;
}

/**
 * The service catalog: every capability the platform offers, searchable,
 * each with a Request button that opens its golden path.
 */
export const CatalogPage = () => {
  usePageTitle('Service catalog', 'Platform');
  const api = useApi(platformApiRef);
  const capabilities = useAsyncRetry(() => api.listCapabilities(), [api]);
  const health = useAsync(() => api.getHealth(), [api]);
  const fleet = useAsync(() => api.getFleetSummary(), [api]);
  // The search lives in the URL (?q=), so a filtered view can be shared and
  // survives a reload or the Back button.
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  const setQuery = (next: string) => {
    const updated = new URLSearchParams(params);
    if (next) updated.set('q', next);
    else updated.delete('q');
    setParams(updated, { replace: true });
  };

  const counts = useMemo(() => instanceCounts(fleet.value), [fleet.value]);
  const visible = useMemo(
    () => (capabilities.value ?? []).filter(c => matches(c, query)),
    [capabilities.value, query],
  );

  let main;
  if (capabilities.loading && !capabilities.value) {
    main = <Progress />;
  } else if (capabilities.error) {
    main = (
      <ResponseErrorPanel
        error={capabilities.error}
        title="Platform API unavailable"
      />
    );
  } else if (!capabilities.value || capabilities.value.length === 0) {
    const noEngine = !health.loading && health.value?.engines.length === 0;
    main = noEngine ? (
      <EmptyState
        missing="data"
        title="No orchestration engine registered"
        description="The platform API is running, but no engine module is installed in the backend, so there are no capabilities to offer yet. Add the local engine or the Kubernetes (Kratix, Crossplane) engine module to the backend."
      />
    ) : (
      <EmptyState
        missing="data"
        title="No capabilities offered yet"
        description="The platform runs, but its engines offer no capabilities. Platform engineers add them as capability definitions (local engine), Kratix Promises or Crossplane XRDs; they show up here within a minute."
        action={
          <Button variant="outlined" onClick={capabilities.retry}>
            Check again
          </Button>
        }
      />
    );
  } else {
    main = (
      <>
        <TextField
          id="platform-catalog-search"
          label="Search capabilities"
          placeholder="Name, description, engine or tag"
          value={query}
          onChange={e => setQuery(e.target.value)}
          fullWidth
          size="small"
          InputProps={{
            startAdornment: (
              <InputAdornment position="start">
                <SearchIcon />
              </InputAdornment>
            ),
          }}
          sx={{ mb: 2 }}
        />
        <Typography
          variant="body2"
          color="text.secondary"
          sx={{ mb: 2 }}
          role="status"
        >
          {visible.length === capabilities.value.length
            ? plural(visible.length, 'capability', 'capabilities')
            : `${visible.length} of ${plural(
                capabilities.value.length,
                'capability',
                'capabilities',
              )}`}
        </Typography>
        {visible.length === 0 ? (
          <EmptyState
            missing="data"
            title={`No capabilities match “${query.trim()}”`}
            description="Try a shorter search, an engine id or a tag."
            action={
              <Button variant="outlined" onClick={() => setQuery('')}>
                Clear search
              </Button>
            }
          />
        ) : (
          <Grid container spacing={2}>
            {visible.map(capability => (
              <Grid item xs={12} md={6} lg={4} key={capability.ref}>
                <CapabilityCard
                  capability={capability}
                  instances={
                    fleet.error || fleet.loading
                      ? undefined
                      : counts.get(capability.ref) ?? 0
                  }
                />
              </Grid>
            ))}
          </Grid>
        )}
      </>
    );
  }

  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={9}>
        <Box component="section" aria-label="Service catalog">
          {main}
        </Box>
      </Grid>
      <Grid item xs={12} md={3}>
        <EnginesPanel
          health={health.value}
          loading={health.loading}
          error={health.error}
        />
      </Grid>
    </Grid>
  );
};
