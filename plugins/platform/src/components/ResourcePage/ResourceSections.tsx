import { ReactNode } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { CopyTextButton } from '@backstage/core-components';
import Box from '@mui/material/Box';
import Link from '@mui/material/Link';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import useMediaQuery from '@mui/material/useMediaQuery';
import { Theme } from '@mui/material/styles';
import {
  Capability,
  JsonValue,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { EntityLink } from '../shared/EntityLink';
import { formatDateTime, formatRelative } from '../shared/format';
import { useCapabilityLink } from '../shared/links';
import { TableScroll, Truncate } from '../shared/TableScroll';

/** An id or value in monospace, cut with the full text on hover. */
const Code = (props: { children: string }) => (
  <Truncate text={props.children}>
    <Typography
      component="code"
      variant="body2"
      sx={{ fontFamily: 'monospace' }}
    >
      {props.children}
    </Typography>
  </Truncate>
);

function isUrl(value: string) {
  return /^https?:\/\//.test(value);
}

/** The engine's own conditions, as it reports them. */
export const Conditions = (props: { resource: PlatformResource }) => {
  const { conditions } = props.resource.status;
  const compact = useMediaQuery((theme: Theme) => theme.breakpoints.down('lg'));
  if (conditions.length === 0) {
    return (
      <Typography color="text.secondary">
        The engine reports no conditions for this resource.
      </Typography>
    );
  }
  if (compact) {
    // Narrow cards: one block per condition, so long CamelCase types and
    // reasons get the card's full width instead of a fifth of it.
    return (
      <List dense disablePadding aria-label="Conditions">
        {conditions.map(condition => (
          <ListItem
            key={condition.type}
            disableGutters
            divider
            sx={{ display: 'block' }}
          >
            <Box
              sx={{
                display: 'flex',
                flexWrap: 'wrap',
                columnGap: 1,
                alignItems: 'baseline',
              }}
            >
              <Typography variant="subtitle2" component="span">
                {condition.type}
              </Typography>
              <Typography variant="body2" component="span">
                {condition.status}
              </Typography>
              {condition.reason && (
                <Typography
                  variant="body2"
                  component="span"
                  color="text.secondary"
                >
                  {condition.reason}
                </Typography>
              )}
              {condition.lastTransitionTime && (
                <Typography
                  variant="caption"
                  component="span"
                  color="text.secondary"
                  title={formatDateTime(condition.lastTransitionTime)}
                >
                  {formatRelative(condition.lastTransitionTime)}
                </Typography>
              )}
            </Box>
            {condition.message && (
              <Typography variant="body2">{condition.message}</Typography>
            )}
          </ListItem>
        ))}
      </List>
    );
  }
  return (
    <TableScroll label="Conditions">
      <Table size="small" aria-label="Conditions">
        <TableHead>
          <TableRow>
            <TableCell>Type</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Reason</TableCell>
            <TableCell>Message</TableCell>
            <TableCell>Since</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {conditions.map(condition => (
            <TableRow key={condition.type}>
              <TableCell>{condition.type}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>
                {condition.status}
              </TableCell>
              <TableCell>{condition.reason ?? ''}</TableCell>
              <TableCell sx={{ minWidth: 160 }}>
                {condition.message ?? ''}
              </TableCell>
              <TableCell
                title={formatDateTime(condition.lastTransitionTime)}
                sx={{ whiteSpace: 'nowrap' }}
              >
                {condition.lastTransitionTime
                  ? formatRelative(condition.lastTransitionTime)
                  : ''}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableScroll>
  );
};

/** Non-secret values such as host and URL, each with a copy button. */
export const Outputs = (props: { resource: PlatformResource }) => {
  const entries = Object.entries(props.resource.outputs);
  if (entries.length === 0) {
    return (
      <Typography color="text.secondary">
        No outputs yet. Connection details appear here once the resource is
        ready.
      </Typography>
    );
  }
  return (
    <TableScroll label="Outputs">
      <Table size="small" aria-label="Outputs" sx={{ tableLayout: 'fixed' }}>
        <TableBody>
          {entries.map(([key, raw]) => {
            const value = String(raw);
            return (
              <TableRow key={key}>
                <TableCell component="th" scope="row" sx={{ width: '30%' }}>
                  <Truncate text={key} />
                </TableCell>
                <TableCell>
                  {isUrl(value) ? (
                    <Truncate text={value}>
                      <Link href={value} target="_blank" rel="noopener">
                        {value}
                      </Link>
                    </Truncate>
                  ) : (
                    <Code>{value}</Code>
                  )}
                </TableCell>
                <TableCell align="right" sx={{ width: 48 }}>
                  <CopyTextButton
                    text={value}
                    aria-label={`Copy ${key}`}
                    tooltipText={`${key} copied`}
                  />
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableScroll>
  );
};

function specValue(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** The desired state, as requested. */
export const Spec = (props: { resource: PlatformResource }) => {
  const entries = Object.entries(props.resource.spec);
  if (entries.length === 0) {
    return (
      <Typography color="text.secondary">
        Requested with the capability's defaults.
      </Typography>
    );
  }
  return (
    <TableScroll label="Spec">
      <Table size="small" aria-label="Spec">
        <TableBody>
          {entries.map(([key, value]) => (
            <TableRow key={key}>
              <TableCell component="th" scope="row" sx={{ width: '30%' }}>
                {key}
              </TableCell>
              <TableCell>
                <Box
                  component="pre"
                  sx={{ m: 0, fontFamily: 'monospace', whiteSpace: 'pre-wrap' }}
                >
                  {specValue(value)}
                </Box>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableScroll>
  );
};

/** Who, where, which version, and the engine's reference. */
export const Details = (props: {
  resource: PlatformResource;
  capability: Capability | undefined;
}) => {
  const { resource, capability } = props;
  const capabilityLink = useCapabilityLink();
  const behind =
    capability &&
    resource.appliedVersion &&
    resource.appliedVersion !== capability.version;
  const rows: Array<[string, ReactNode]> = [
    [
      'Capability',
      <Link component={RouterLink} to={capabilityLink(resource.capabilityRef)}>
        {capability?.title ?? resource.capabilityRef}
      </Link>,
    ],
    ['Environment', resource.environment],
    [
      'Owner',
      <Truncate text={resource.owner}>
        <EntityLink entityRef={resource.owner} defaultKind="group" />
      </Truncate>,
    ],
    [
      'Component',
      <Truncate text={resource.component ?? ''}>
        <EntityLink entityRef={resource.component} defaultKind="component" />
      </Truncate>,
    ],
    [
      'Requested by',
      <Truncate text={resource.requestedBy ?? ''}>
        <EntityLink entityRef={resource.requestedBy} defaultKind="user" />
      </Truncate>,
    ],
    [
      'Version',
      `${resource.appliedVersion ?? 'not reported'}${
        behind ? ` (current is ${capability!.version})` : ''
      }`,
    ],
    [
      'Generation',
      resource.observedGeneration >= resource.generation
        ? `${resource.generation} (applied)`
        : `${resource.generation} (engine at ${resource.observedGeneration})`,
    ],
    ['Created', formatDateTime(resource.createdAt)],
    ['Ready since', formatDateTime(resource.readyAt)],
    ['Updated', formatDateTime(resource.updatedAt)],
    ['Id', <Code>{resource.id}</Code>],
    ...Object.entries(resource.engineRef ?? {}).map(
      ([key, value]) =>
        [`Engine ${key}`, <Code>{value}</Code>] as [string, ReactNode],
    ),
  ];
  return (
    <TableScroll label="Details">
      <Table size="small" aria-label="Details" sx={{ tableLayout: 'fixed' }}>
        <TableBody>
          {rows.map(([label, value]) => (
            <TableRow key={label}>
              <TableCell component="th" scope="row" sx={{ width: '40%' }}>
                {label}
              </TableCell>
              <TableCell>{value}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableScroll>
  );
};
