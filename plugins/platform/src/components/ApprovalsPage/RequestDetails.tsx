import { ReactNode } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import { ChangeRequest } from '@trellis/backstage-plugin-platform-common';
import { EntityLink } from '../shared/EntityLink';
import { formatDateTime } from '../shared/format';
import { useResourceLink } from '../shared/links';
import { requesterText } from './approvals';

const Row = (props: { label: string; children: ReactNode }) => (
  <TableRow>
    <TableCell component="th">{props.label}</TableCell>
    <TableCell>{props.children}</TableCell>
  </TableRow>
);

/**
 * The request's facts: its resource (a link once it exists), capability,
 * environment, owner, requester and expiry.
 */
export const RequestDetails = (props: { request: ChangeRequest }) => {
  const { request } = props;
  const { resource } = request;
  const resourceLink = useResourceLink();
  return (
    <Table size="small" aria-label="Details">
      <TableBody>
        <Row label="Resource">
          {resource.id ? (
            <Link component={RouterLink} to={resourceLink(resource.id)}>
              {resource.name}
            </Link>
          ) : (
            `${resource.name} (not created yet)`
          )}
        </Row>
        <Row label="Capability">{resource.capability}</Row>
        <Row label="Environment">{resource.environment}</Row>
        <Row label="Owner">
          <EntityLink entityRef={resource.owner} defaultKind="group" />
        </Row>
        <Row label="Requested by">{requesterText(request)}</Row>
        <Row label="Expires">{formatDateTime(request.expiresAt)}</Row>
      </TableBody>
    </Table>
  );
};
