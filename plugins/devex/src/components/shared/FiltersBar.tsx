import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import Autocomplete from '@mui/material/Autocomplete';
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { RANGE_PRESETS } from './dateRange';
import { DevexFilters } from './useDevexFilters';
import { shortEntityRef } from './format';

interface TeamOption {
  ref: string;
  title: string;
}

function useTeams() {
  const catalogApi = useApi(catalogApiRef);
  return useAsync(async (): Promise<TeamOption[]> => {
    const response = await catalogApi.getEntities({
      filter: { kind: 'Group' },
      fields: [
        'kind',
        'metadata.name',
        'metadata.namespace',
        'metadata.title',
        'spec.profile.displayName',
      ],
    });
    return response.items
      .map(entity => {
        const ref = stringifyEntityRef(entity);
        const profile = (entity.spec as { profile?: { displayName?: string } })
          ?.profile;
        return {
          ref,
          title:
            entity.metadata.title ??
            profile?.displayName ??
            shortEntityRef(ref),
        };
      })
      .sort((a, b) => a.title.localeCompare(b.title));
  }, [catalogApi]);
}

/** The range (presets or custom, in the browser's days) and team of a DevEx view. */
export const FiltersBar = (props: {
  filters: DevexFilters;
  onChange: (
    change: Partial<Pick<DevexFilters, 'preset' | 'from' | 'to' | 'team'>>,
  ) => void;
}) => {
  const { filters, onChange } = props;
  const teams = useTeams();
  const options = teams.value ?? [];
  const selected =
    options.find(o => o.ref === filters.team) ??
    (filters.team
      ? { ref: filters.team, title: shortEntityRef(filters.team) }
      : null);

  return (
    <Box
      component="form"
      role="search"
      aria-label="DevEx filters"
      onSubmit={e => e.preventDefault()}
      sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, mb: 3 }}
    >
      <TextField
        select
        size="small"
        label="Date range"
        value={String(filters.preset)}
        onChange={e =>
          onChange({
            preset:
              e.target.value === 'custom' ? 'custom' : Number(e.target.value),
          })
        }
        sx={{ minWidth: 180 }}
      >
        {RANGE_PRESETS.map(days => (
          <MenuItem key={days} value={String(days)}>
            Last {days} days
          </MenuItem>
        ))}
        <MenuItem value="custom">Custom range</MenuItem>
      </TextField>
      {filters.preset === 'custom' && (
        <>
          <TextField
            size="small"
            type="date"
            label="From"
            value={filters.from}
            onChange={e => onChange({ from: e.target.value })}
            InputLabelProps={{ shrink: true }}
            error={
              Boolean(filters.problem) &&
              filters.problem !== 'Choose an end date'
            }
          />
          <TextField
            size="small"
            type="date"
            label="To"
            value={filters.to}
            onChange={e => onChange({ to: e.target.value })}
            InputLabelProps={{ shrink: true }}
            error={Boolean(filters.problem)}
            helperText={filters.problem}
          />
        </>
      )}
      <Autocomplete
        size="small"
        options={options}
        loading={teams.loading}
        value={selected}
        onChange={(_, option) => onChange({ team: option?.ref })}
        getOptionLabel={option => option.title}
        isOptionEqualToValue={(a, b) => a.ref === b.ref}
        sx={{ minWidth: 260 }}
        renderInput={params => (
          <TextField
            {...params}
            label="Team"
            placeholder="All teams"
            helperText={
              teams.error
                ? `Teams unavailable: ${teams.error.message}`
                : undefined
            }
          />
        )}
      />
    </Box>
  );
};
