import { Link as RouterLink } from 'react-router-dom';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TableSortLabel from '@mui/material/TableSortLabel';
import {
  PlatformResource,
  ResourceSortField,
} from '@trellis/backstage-plugin-platform-common';
import { PhaseChip } from './PhaseChip';
import { EntityLink } from './EntityLink';
import { formatDateTime, formatRelative } from './format';
import { useCapabilityLink, useResourceLink } from './links';

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
  const { resources, columns, capabilityTitles, sort, label } = props;
  const resourceLink = useResourceLink();
  const capabilityLink = useCapabilityLink();

  const cell = (resource: PlatformResource, column: ResourceColumn) => {
    switch (column) {
      case 'name':
        return (
          <Link component={RouterLink} to={resourceLink(resource.id)}>
            {resource.name}
          </Link>
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
              <TableCell key={column}>{cell(resource, column)}</TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};
