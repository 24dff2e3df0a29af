import { Fragment, ReactNode } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import Box from '@mui/material/Box';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TableSortLabel from '@mui/material/TableSortLabel';
import Typography from '@mui/material/Typography';
import useMediaQuery from '@mui/material/useMediaQuery';
import { Theme } from '@mui/material/styles';
import {
  PlatformResource,
  ResourceSortField,
} from '@trellis/backstage-plugin-platform-common';
import { PhaseChip } from './PhaseChip';
import { EntityLink } from './EntityLink';
import { formatDateTime, formatRelative } from './format';
import { useCapabilityLink, useResourceLink } from './links';
import { TableScroll, Truncate } from './TableScroll';

/** The columns a resource table can show. */
export type ResourceColumn =
  | 'name'
  | 'capability'
  | 'phase'
  | 'environment'
  | 'owner'
  | 'component'
  | 'version'
  | 'updatedAt'
  | 'createdAt';

const headers: Record<ResourceColumn, string> = {
  name: 'Name',
  capability: 'Capability',
  phase: 'Phase',
  environment: 'Environment',
  owner: 'Owner',
  component: 'Component',
  version: 'Version',
  updatedAt: 'Updated',
  createdAt: 'Created',
};

const sortable: Partial<Record<ResourceColumn, ResourceSortField>> = {
  name: 'name',
  phase: 'phase',
  updatedAt: 'updatedAt',
  createdAt: 'createdAt',
};

/**
 * The columns that keep their own column on narrow screens, most important
 * first; the others move into a line under the resource's name.
 */
const NARROW_COLUMNS: ResourceColumn[] = [
  'name',
  'phase',
  'capability',
  'environment',
];
const PHONE_COLUMNS: ResourceColumn[] = ['name', 'phase'];

/** Server-side sorting, when the table offers it. */
export interface ResourceTableSort {
  orderBy: ResourceSortField;
  order: 'asc' | 'desc';
  onSort: (field: ResourceSortField) => void;
}

/** A table of resources: names link to the resource page. */
export const ResourceTable = (props: {
  resources: PlatformResource[];
  columns: ResourceColumn[];
  /** Capability titles by ref, to show names instead of refs. */
  capabilityTitles?: Map<string, string>;
  sort?: ResourceTableSort;
  label: string;
}) => {
  const { resources, capabilityTitles, sort, label } = props;
  const resourceLink = useResourceLink();
  const capabilityLink = useCapabilityLink();
  const isPhone = useMediaQuery((theme: Theme) => theme.breakpoints.down('sm'));
  const isNarrow = useMediaQuery((theme: Theme) =>
    theme.breakpoints.down('lg'),
  );
  let kept = props.columns;
  if (isPhone || isNarrow) {
    const keep = isPhone ? PHONE_COLUMNS : NARROW_COLUMNS;
    kept = props.columns.filter(column => keep.includes(column));
  }
  const columns = kept.includes('name') ? kept : props.columns;
  const folded = props.columns.filter(column => !columns.includes(column));

  const cell = (
    resource: PlatformResource,
    column: ResourceColumn,
  ): ReactNode => {
    switch (column) {
      case 'name':
        return (
          <>
            <Truncate
              text={resource.name}
              maxWidth={{ xs: 180, sm: 260, lg: 360 }}
            >
              <Link component={RouterLink} to={resourceLink(resource.id)}>
                {resource.name}
              </Link>
            </Truncate>
            {folded.length > 0 && (
              <Typography
                variant="caption"
                color="text.secondary"
                component="div"
                sx={{ mt: 0.5, lineHeight: 1.5 }}
              >
                {folded.map((other, i) => (
                  <Fragment key={other}>
                    {i > 0 && ' · '}
                    <Box component="span" sx={{ whiteSpace: 'nowrap' }}>
                      {headers[other]} {cell(resource, other)}
                    </Box>
                  </Fragment>
                ))}
              </Typography>
            )}
          </>
        );
      case 'capability':
        return (
          <Link
            component={RouterLink}
            to={capabilityLink(resource.capabilityRef)}
          >
            {capabilityTitles?.get(resource.capabilityRef) ??
              resource.capabilityRef}
          </Link>
        );
      case 'phase':
        return <PhaseChip phase={resource.status.phase} />;
      case 'environment':
        return resource.environment;
      case 'owner':
        return <EntityLink entityRef={resource.owner} defaultKind="group" />;
      case 'component':
        return (
          <EntityLink entityRef={resource.component} defaultKind="component" />
        );
      case 'version':
        return resource.appliedVersion ?? '—';
      case 'updatedAt':
      case 'createdAt':
        return (
          <span title={formatDateTime(resource[column])}>
            {formatRelative(resource[column])}
          </span>
        );
      default:
        return null;
    }
  };

  return (
    <TableScroll label={label}>
      <Table size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            {columns.map(column => {
              const field = sortable[column];
              const active = Boolean(sort && field && sort.orderBy === field);
              return (
                <TableCell
                  key={column}
                  sortDirection={active ? sort!.order : false}
                >
                  {sort && field ? (
                    <TableSortLabel
                      active={active}
                      direction={active ? sort.order : 'asc'}
                      onClick={() => sort.onSort(field)}
                    >
                      {headers[column]}
                    </TableSortLabel>
                  ) : (
                    headers[column]
                  )}
                </TableCell>
              );
            })}
          </TableRow>
        </TableHead>
        <TableBody>
          {resources.map(resource => (
            <TableRow key={resource.id} hover>
              {columns.map(column => (
                <TableCell
                  key={column}
                  // Names are cut to fit (full text on hover); the other
                  // values are short and keep to one line.
                  sx={column === 'name' ? undefined : { whiteSpace: 'nowrap' }}
                >
                  {cell(resource, column)}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableScroll>
  );
};
