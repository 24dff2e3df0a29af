import { useMemo, useState } from 'react';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import InputAdornment from '@mui/material/InputAdornment';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import NavigateBeforeIcon from '@mui/icons-material/NavigateBefore';
import NavigateNextIcon from '@mui/icons-material/NavigateNext';
import SearchIcon from '@mui/icons-material/Search';
import {
  RESOURCE_PHASES,
  ResourceSortField,
} from '@trellis/backstage-plugin-platform-common';
import { usePageTitle } from '../../hooks/usePageTitle';
import { platformApiRef } from '../../api';
import { catalogRouteRef } from '../../routes';
import { ResourceTable } from '../shared/ResourceTable';
import { formatCount, formatTotal, shortEntityRef } from '../shared/format';
import { DebouncedTextField } from './DebouncedTextField';
import {
  DEFAULT_ORDER,
  hasFilters,
  PAGE_SIZES,
  readFilters,
  toQuery,
  withParam,
} from './inventoryQuery';

type Paging = { key: string; cursors: Array<string | undefined> };

/**
 * Every resource the viewer may read, one server-side page at a time.
 * Filters and sorting live in the URL, so a filtered view can be shared;
 * only the cursors of the pages seen so far are kept (for Previous).
 */
export const ResourceInventory = () => {
  usePageTitle('Resources', 'Platform');
  const api = useApi(platformApiRef);
  const catalogLink = useRouteRef(catalogRouteRef);
  const [params, setParams] = useSearchParams();
  const key = params.toString();
  const filters = useMemo(() => readFilters(new URLSearchParams(key)), [key]);
  const filtered = hasFilters(params);

  const [paging, setPaging] = useState<Paging>({ key, cursors: [undefined] });
  const cursors = paging.key === key ? paging.cursors : [undefined];
  const cursor = cursors[cursors.length - 1];

  const page = useAsyncRetry(
    () => api.listResources({ ...toQuery(filters), cursor }),
    [api, filters, cursor],
  );
  const capabilities = useAsync(() => api.listCapabilities(), [api]);
  const capabilityTitles = useMemo(
    () => new Map((capabilities.value ?? []).map(c => [c.ref, c.title])),
    [capabilities.value],
  );

  const update = (name: string, values: string | string[]) =>
    setParams(withParam(params, name, values), { replace: true });

  const onSort = (field: ResourceSortField) => {
    let order = DEFAULT_ORDER[field];
    if (filters.orderBy === field) {
      order = filters.order === 'asc' ? 'desc' : 'asc';
    }
    const next = withParam(withParam(params, 'sort', field), 'order', order);
    setParams(next, { replace: true });
  };

  const clearFilters = () => {
    const next = new URLSearchParams();
    for (const keep of ['sort', 'order', 'size']) {
      const value = params.get(keep);
      if (value) next.set(keep, value);
    }
    setParams(next, { replace: true });
  };

  const first = (cursors.length - 1) * filters.limit;
  const items = page.value?.items ?? [];

  let body;
  if (page.error) {
    body = (
      <ResponseErrorPanel error={page.error} title="Could not load resources" />
    );
  } else if (!page.value) {
    body = <Progress />;
  } else if (page.value.totalCount === 0 && items.length === 0) {
    body = filtered ? (
      <EmptyState
        missing="data"
        title="No resources match these filters"
        description="Remove a filter or search for part of a name."
        action={
          <Button variant="outlined" onClick={clearFilters}>
            Clear filters
          </Button>
        }
      />
    ) : (
      <EmptyState
        missing="data"
        title="No resources yet"
        description="Resources appear here once someone requests a capability through its golden path."
        action={
          <Button variant="contained" component={RouterLink} to={catalogLink()}>
            Browse the service catalog
          </Button>
        }
      />
    );
  } else {
    body = (
      <>
        <Box sx={{ position: 'relative' }}>
          {page.loading && (
            <LinearProgress
              aria-label="Loading resources"
              sx={{ position: 'absolute', top: 0, left: 0, right: 0 }}
            />
          )}
          <ResourceTable
            label="Resources"
            resources={items}
            capabilityTitles={capabilityTitles}
            columns={[
              'name',
              'capability',
              'phase',
              'environment',
              'owner',
              'component',
              'version',
              'updatedAt',
            ]}
            sort={{
              orderBy: filters.orderBy,
              order: filters.order,
              onSort,
            }}
          />
        </Box>
        <Box
          sx={{
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'flex-end',
            gap: 2,
            mt: 1,
            flexWrap: 'wrap',
          }}
        >
          <Typography variant="body2" role="status">
            {items.length === 0
              ? `No more resources (of ${formatTotal(page.value)})`
              : `${formatCount(first + 1)}–${formatCount(
                  first + items.length,
                )} of ${formatTotal(page.value)}`}
          </Typography>
          <TextField
            select
            size="small"
            id="platform-inventory-page-size"
            label="Per page"
            value={String(filters.limit)}
            onChange={e => update('size', e.target.value)}
            sx={{ minWidth: 100 }}
          >
            {PAGE_SIZES.map(size => (
              <MenuItem key={size} value={String(size)}>
                {size}
              </MenuItem>
            ))}
          </TextField>
          <Button
            startIcon={<NavigateBeforeIcon />}
            disabled={cursors.length === 1 || page.loading}
            onClick={() => setPaging({ key, cursors: cursors.slice(0, -1) })}
            aria-label="Previous page"
          >
            Previous
          </Button>
          <Button
            endIcon={<NavigateNextIcon />}
            disabled={!page.value.nextCursor || page.loading}
            onClick={() =>
              setPaging({ key, cursors: [...cursors, page.value?.nextCursor] })
            }
            aria-label="Next page"
          >
            Next
          </Button>
        </Box>
      </>
    );
  }

  return (
    <Box component="section" aria-label="Resource inventory">
      <Paper
        variant="outlined"
        sx={{
          p: 2,
          mb: 2,
          display: 'grid',
          gap: 2,
          gridTemplateColumns: {
            xs: '1fr',
            sm: '1fr 1fr',
            lg: '2fr 1fr 1fr 1fr 1fr',
          },
          // The search gets a row of its own until all five fit in one.
          '& > :first-of-type': { gridColumn: { sm: '1 / -1', lg: 'auto' } },
        }}
        role="search"
        aria-label="Filter resources"
      >
        <DebouncedTextField
          id="platform-inventory-search"
          label="Search"
          placeholder="Name, component or capability"
          size="small"
          value={filters.text}
          onCommit={value => update('q', value)}
          InputProps={{
            startAdornment: (
              <InputAdornment position="start">
                <SearchIcon />
              </InputAdornment>
            ),
          }}
        />
        <TextField
          select
          size="small"
          id="platform-inventory-capability"
          label="Capability"
          value={filters.capability}
          onChange={e => {
            const value = e.target.value as unknown as string[] | string;
            update(
              'capability',
              typeof value === 'string' ? value.split(',') : value,
            );
          }}
          SelectProps={{
            multiple: true,
            renderValue: selected =>
              (selected as string[])
                .map(ref => capabilityTitles.get(ref) ?? ref)
                .join(', '),
          }}
        >
          {(capabilities.value ?? []).map(capability => (
            <MenuItem key={capability.ref} value={capability.ref}>
              {capability.title}
            </MenuItem>
          ))}
          {capabilities.error && (
            <MenuItem disabled value="">
              Capabilities unavailable
            </MenuItem>
          )}
        </TextField>
        <TextField
          select
          size="small"
          id="platform-inventory-phase"
          label="Phase"
          value={filters.phase}
          onChange={e => {
            const value = e.target.value as unknown as string[] | string;
            update(
              'phase',
              typeof value === 'string' ? value.split(',') : value,
            );
          }}
          SelectProps={{
            multiple: true,
            renderValue: selected => (selected as string[]).join(', '),
          }}
        >
          {RESOURCE_PHASES.map(phase => (
            <MenuItem key={phase} value={phase}>
              {phase}
            </MenuItem>
          ))}
        </TextField>
        <DebouncedTextField
          id="platform-inventory-owner"
          label="Owner"
          placeholder="team-a or group:default/team-a"
          size="small"
          value={filters.owner}
          onCommit={value => update('owner', value)}
        />
        <DebouncedTextField
          id="platform-inventory-environment"
          label="Environment"
          placeholder="dev, staging, production"
          size="small"
          value={filters.environment}
          onCommit={value => update('environment', value)}
        />
      </Paper>
      {(filters.component.length > 0 || filtered) && (
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mb: 2 }}>
          {filters.component.map(component => (
            <Chip
              key={component}
              label={`Component: ${shortEntityRef(component)}`}
              onDelete={() =>
                update(
                  'component',
                  filters.component.filter(c => c !== component),
                )
              }
            />
          ))}
          {filtered && (
            <Button size="small" onClick={clearFilters}>
              Clear filters
            </Button>
          )}
        </Box>
      )}
      {body}
    </Box>
  );
};
