import { ReactNode, useState } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
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
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import CardHeader from '@mui/material/CardHeader';
import Grid from '@mui/material/Grid';
import Link from '@mui/material/Link';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Skeleton from '@mui/material/Skeleton';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import CheckIcon from '@mui/icons-material/Check';
import CloseIcon from '@mui/icons-material/Close';
import {
  CHANGE_REQUEST_SIGNAL_CHANNEL,
  ChangeRequest,
  platformResourceApprovePermission,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useRefreshable } from '../../hooks/useRefreshable';
import { useSignalChannels } from '../../hooks/useSignalChannels';
import { approvalsRouteRef } from '../../routes';
import { EntityLink } from '../shared/EntityLink';
import { LiveStatusNote } from '../shared/LiveStatusNote';
import { WithReason } from '../shared/WithReason';
import { messageOf, statusOf } from '../shared/errors';
import { formatDateTime, formatRelative } from '../shared/format';
import { useResourceLink } from '../shared/links';
import {
  expiresText,
  operationLabel,
  personText,
  REASON_DESCRIPTIONS,
  REASON_LABELS,
  requesterText,
  resourceText,
  statusLabel,
} from './approvals';
import { DecisionDialog } from './DecisionDialog';
import { SpecDiff } from './SpecDiff';
import { StatusChip } from './StatusChip';
import { useCurrentUser } from './useCurrentUser';

const Section = (props: { title: string; children: ReactNode }) => (
  <Card variant="outlined" component="section" aria-label={props.title}>
    <CardHeader
      title={props.title}
      titleTypographyProps={{ variant: 'h6', component: 'h3' }}
      sx={{ pb: 0 }}
    />
    <CardContent>{props.children}</CardContent>
  </Card>
);

/** Why the viewer cannot approve or reject, or undefined when they can. */
function useDecisionReason(
  request: ChangeRequest | undefined,
  me: string | undefined,
): string | undefined {
  const permission = usePermission({
    permission: platformResourceApprovePermission,
    resourceRef: request?.resource.id,
  });
  if (!request) return 'Loading…';
  if (request.status !== 'pending') {
    return `This request is decided: ${statusLabel(
      request.status,
    ).toLocaleLowerCase('en-US')}`;
  }
  if (me && request.requestedBy === me) {
    return 'You requested this change; someone else must approve it';
  }
  // A create has no resource to check against yet: the platform decides
  // when the button is pressed, and says why if not.
  if (!request.resource.id) return undefined;
  if (permission.loading) return 'Checking your permissions…';
  if (!permission.allowed) {
    return 'Deciding change requests for this resource needs the platform.resource.approve permission';
  }
  return undefined;
}

const WhatChanges = (props: { request: ChangeRequest }) => {
  const { request } = props;
  const api = useApi(platformApiRef);
  const resourceId =
    request.operation === 'update' ? request.resource.id : undefined;
  const current = useAsync(
    async () => (resourceId ? api.getResource(resourceId) : undefined),
    [api, resourceId, request.status],
  );
  if (request.operation === 'delete') {
    return (
      <Alert severity="error" role="note" aria-label="Destructive change">
        Approving <strong>deletes {request.resource.name}</strong> in{' '}
        <strong>{request.resource.environment}</strong>: the engine removes the{' '}
        {request.resource.capability} instance and everything in it. This cannot
        be undone.
      </Alert>
    );
  }
  if (request.operation === 'create') {
    const create = request.change.request;
    return (
      <>
        <Typography variant="body2" sx={{ mb: 1 }}>
          A new {request.resource.capability} resource, created as requested:
        </Typography>
        <SpecDiff
          before={{}}
          after={create?.spec ?? request.change.spec ?? {}}
        />
      </>
    );
  }
  if (current.loading) return <Skeleton variant="rectangular" height={96} />;
  return (
    <>
      {current.error && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          The current spec could not be loaded ({current.error.message}); only
          the requested one is shown.
        </Alert>
      )}
      {request.baseGeneration !== undefined && (
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          Requested against generation {request.baseGeneration}
          {current.value && current.value.generation !== request.baseGeneration
            ? `; the resource is at generation ${current.value.generation} now, so approving it will fail`
            : ''}
          .
        </Typography>
      )}
      <SpecDiff before={current.value?.spec} after={request.change.spec} />
    </>
  );
};

interface Moment {
  key: string;
  title: string;
  at?: string;
  detail?: string;
}

function momentsOf(request: ChangeRequest): Moment[] {
  const moments: Moment[] = [
    {
      key: 'requested',
      title: `Requested by ${requesterText(request)}`,
      at: request.createdAt,
    },
  ];
  const by = personText(request.decidedBy);
  switch (request.status) {
    case 'approved':
      moments.push({
        key: 'decided',
        title: `Approved by ${by}`,
        at: request.decidedAt,
        detail: request.comment,
      });
      moments.push({
        key: 'applied',
        title: 'Applied: handed to the engine',
        at: request.decidedAt,
      });
      break;
    case 'failed':
      moments.push({
        key: 'decided',
        title: `Approved by ${by}`,
        at: request.decidedAt,
        detail: request.comment,
      });
      moments.push({
        key: 'failed',
        title: 'Could not be applied',
        at: request.decidedAt,
        detail: request.failure,
      });
      break;
    case 'rejected':
      moments.push({
        key: 'decided',
        title: `Rejected by ${by}`,
        at: request.decidedAt,
        detail: request.comment,
      });
      break;
    case 'cancelled':
      moments.push({
        key: 'decided',
        title: `Cancelled by ${by}`,
        at: request.decidedAt,
      });
      break;
    case 'expired':
      moments.push({
        key: 'decided',
        title: 'Expired without a decision',
        at: request.decidedAt ?? request.expiresAt,
      });
      break;
    default:
      moments.push({
        key: 'waiting',
        title: `Waiting for approval, expires ${
          expiresText(request) ?? formatDateTime(request.expiresAt)
        }`,
        at: request.expiresAt,
      });
  }
  return moments;
}

const RequestTimeline = (props: { request: ChangeRequest }) => (
  <List dense disablePadding aria-label="Request timeline">
    {momentsOf(props.request).map(moment => (
      <ListItem key={moment.key} disableGutters divider>
        <ListItemText
          primary={moment.title}
          secondary={
            <>
              {moment.at && (
                <span title={formatDateTime(moment.at)}>
                  {formatDateTime(moment.at)}
                </span>
              )}
              {moment.detail && (
                <Typography
                  component="span"
                  variant="body2"
                  display="block"
                  color="text.primary"
                  sx={{ whiteSpace: 'pre-wrap' }}
                >
                  “{moment.detail}”
                </Typography>
              )}
            </>
          }
        />
      </ListItem>
    ))}
  </List>
);

/**
 * One change request: what it changes (a diff of the spec for an update, a
 * clear warning for a delete, the request for a create), why it needs
 * approval, its timeline, and Approve / Reject (with a comment) or Cancel
 * for its requester. Follows the `platform:approvals` signal channel.
 */
export const ChangeRequestPage = () => {
  const { id = '' } = useParams();
  const api = useApi(platformApiRef);
  const me = useCurrentUser();
  const inboxLink = useRouteRef(approvalsRouteRef);
  const resourceLink = useResourceLink();
  const request = useRefreshable(() => api.getChangeRequest(id), [api, id], id);
  const live = useSignalChannels(
    [CHANGE_REQUEST_SIGNAL_CHANNEL],
    request.refresh,
  );
  const [dialog, setDialog] = useState<'approve' | 'reject'>();
  const [notice, setNotice] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const [cancelling, setCancelling] = useState(false);
  const decisionReason = useDecisionReason(request.value, me);
  usePageTitle(`Change request ${id}`, 'Approvals', 'Platform');

  const back = (
    <Button
      component={RouterLink}
      to={inboxLink()}
      startIcon={<ArrowBackIcon />}
      size="small"
      sx={{ mb: 2 }}
    >
      Approvals
    </Button>
  );

  if (!request.value) {
    if (request.loading) return <Progress />;
    return (
      <>
        {back}
        {statusOf(request.error) === 404 ? (
          <EmptyState
            missing="data"
            title="Change request not found"
            description="It may not exist, or you may not be allowed to see its resource."
          />
        ) : (
          <ResponseErrorPanel
            error={request.error ?? new Error('No change request')}
            title="Could not load the change request"
          />
        )}
      </>
    );
  }

  const value = request.value;
  const mine = Boolean(me && value.requestedBy === me);
  const expires = expiresText(value);

  const cancel = async () => {
    setCancelling(true);
    setProblem(undefined);
    try {
      await api.cancelChangeRequest(value.id);
      setNotice('You withdrew this request; nothing was changed.');
      request.refresh();
    } catch (error) {
      setProblem(`Cancelling failed: ${messageOf(error)}`);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <>
      {back}
      <Box
        component="header"
        sx={{
          display: 'flex',
          alignItems: 'center',
          gap: 2,
          flexWrap: 'wrap',
          mb: 1,
        }}
      >
        <Typography variant="h4" component="h2">
          Change request {value.id}
        </Typography>
        <Box role="status" aria-label="Request status">
          <StatusChip status={value.status} size="medium" />
        </Box>
        <LiveStatusNote live={live} onRefresh={request.refresh} />
        <Box sx={{ flexGrow: 1 }} />
        {value.status === 'pending' && mine && (
          <Button variant="outlined" onClick={cancel} disabled={cancelling}>
            {cancelling ? 'Cancelling…' : 'Cancel request'}
          </Button>
        )}
        <WithReason reason={decisionReason}>
          <Button
            variant="outlined"
            color="error"
            startIcon={<CloseIcon />}
            disabled={Boolean(decisionReason)}
            onClick={() => setDialog('reject')}
          >
            Reject
          </Button>
        </WithReason>
        <WithReason reason={decisionReason}>
          <Button
            variant="contained"
            startIcon={<CheckIcon />}
            disabled={Boolean(decisionReason)}
            onClick={() => setDialog('approve')}
          >
            Approve
          </Button>
        </WithReason>
      </Box>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {operationLabel(value.operation)} of {resourceText(value)}, requested by{' '}
        {requesterText(value)} {formatRelative(value.createdAt)}
        {expires ? ` — expires ${expires}` : ''}
      </Typography>
      {request.error && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          Showing the last known state: refreshing failed (
          {request.error.message}).
        </Alert>
      )}
      {value.status === 'failed' && value.failure && (
        <Alert severity="error" sx={{ mb: 2 }}>
          Approved, but the change could not be applied: {value.failure}
        </Alert>
      )}
      {notice && (
        <Alert
          severity="success"
          sx={{ mb: 2 }}
          onClose={() => setNotice(undefined)}
        >
          {notice}
        </Alert>
      )}
      {problem && (
        <Alert
          severity="error"
          role="alert"
          sx={{ mb: 2 }}
          onClose={() => setProblem(undefined)}
        >
          {problem}
        </Alert>
      )}
      <Grid container spacing={3}>
        <Grid item xs={12} md={7}>
          <Box sx={{ display: 'flex', flexDirection: 'column', gap: 3 }}>
            <Section title="What changes">
              <WhatChanges request={value} />
            </Section>
            <Section title="Why it needs approval">
              <List dense disablePadding aria-label="Reasons">
                {value.reasons.map(reason => (
                  <ListItem key={reason} disableGutters>
                    <ListItemText
                      primary={REASON_LABELS[reason] ?? reason}
                      secondary={REASON_DESCRIPTIONS[reason]}
                    />
                  </ListItem>
                ))}
              </List>
            </Section>
          </Box>
        </Grid>
        <Grid item xs={12} md={5}>
          <Box sx={{ display: 'flex', flexDirection: 'column', gap: 3 }}>
            <Section title="Details">
              <Table size="small" aria-label="Details">
                <TableBody>
                  <TableRow>
                    <TableCell component="th">Resource</TableCell>
                    <TableCell>
                      {value.resource.id ? (
                        <Link
                          component={RouterLink}
                          to={resourceLink(value.resource.id)}
                        >
                          {value.resource.name}
                        </Link>
                      ) : (
                        `${value.resource.name} (not created yet)`
                      )}
                    </TableCell>
                  </TableRow>
                  <TableRow>
                    <TableCell component="th">Capability</TableCell>
                    <TableCell>{value.resource.capability}</TableCell>
                  </TableRow>
                  <TableRow>
                    <TableCell component="th">Environment</TableCell>
                    <TableCell>{value.resource.environment}</TableCell>
                  </TableRow>
                  <TableRow>
                    <TableCell component="th">Owner</TableCell>
                    <TableCell>
                      <EntityLink
                        entityRef={value.resource.owner}
                        defaultKind="group"
                      />
                    </TableCell>
                  </TableRow>
                  <TableRow>
                    <TableCell component="th">Requested by</TableCell>
                    <TableCell>{requesterText(value)}</TableCell>
                  </TableRow>
                  <TableRow>
                    <TableCell component="th">Expires</TableCell>
                    <TableCell>{formatDateTime(value.expiresAt)}</TableCell>
                  </TableRow>
                </TableBody>
              </Table>
            </Section>
            <Section title="Timeline">
              <RequestTimeline request={value} />
            </Section>
          </Box>
        </Grid>
      </Grid>
      {dialog && (
        <DecisionDialog
          request={value}
          decision={dialog}
          onClose={() => setDialog(undefined)}
          onDecide={comment =>
            dialog === 'approve'
              ? api.approveChangeRequest(value.id, {
                  comment: comment || undefined,
                })
              : api.rejectChangeRequest(value.id, { comment })
          }
          onDecided={decided => {
            setDialog(undefined);
            setNotice(
              decided.status === 'approved'
                ? 'Approved: the platform is applying the change.'
                : `${statusLabel(decided.status)}.`,
            );
            request.refresh();
          }}
        />
      )}
    </>
  );
};
