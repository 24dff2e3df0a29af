import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Grid from '@mui/material/Grid';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import { CHANGE_REQUEST_SIGNAL_CHANNEL } from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useRefreshable } from '../../hooks/useRefreshable';
import { useSignalChannels } from '../../hooks/useSignalChannels';
import { approvalsRouteRef } from '../../routes';
import { BackLink } from '../shared/BackLink';
import { LiveStatusNote } from '../shared/LiveStatusNote';
import { NotLoaded } from '../shared/NotLoaded';
import { PageHeader } from '../shared/PageHeader';
import { RefreshFailed } from '../shared/RefreshFailed';
import { Section } from '../shared/Section';
import { formatRelative } from '../shared/format';
import {
  expiresText,
  operationLabel,
  REASON_DESCRIPTIONS,
  REASON_LABELS,
  requesterText,
  resourceText,
} from './approvals';
import { DecisionPanel } from './DecisionPanel';
import { RequestDetails } from './RequestDetails';
import { RequestTimeline } from './RequestTimeline';
import { StatusChip } from './StatusChip';
import { useCurrentUser } from './useCurrentUser';
import { WhatChanges } from './WhatChanges';

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
  const request = useRefreshable(() => api.getChangeRequest(id), [api, id], id);
  const live = useSignalChannels(
    [CHANGE_REQUEST_SIGNAL_CHANNEL],
    request.refresh,
  );
  const [notice, setNotice] = useState<string>();
  const [problem, setProblem] = useState<string>();
  usePageTitle(`Change request ${id}`, 'Approvals', 'Platform');

  const back = <BackLink to={inboxLink()}>Approvals</BackLink>;
  if (!request.value) {
    return (
      <NotLoaded
        loading={request.loading}
        error={request.error}
        what="change request"
        notFound={{
          title: 'Change request not found',
          description:
            'It may not exist, or you may not be allowed to see its resource.',
        }}
        back={back}
      />
    );
  }

  const value = request.value;
  const expires = expiresText(value);

  return (
    <>
      {back}
      <PageHeader component="header">
        <Typography variant="h4" component="h2">
          Change request {value.id}
        </Typography>
        <Box role="status" aria-label="Request status">
          <StatusChip status={value.status} size="medium" />
        </Box>
        <LiveStatusNote live={live} onRefresh={request.refresh} />
        <Box sx={{ flexGrow: 1 }} />
        <DecisionPanel
          request={value}
          me={me}
          onChanged={changed => {
            setNotice(changed);
            request.refresh();
          }}
          onProblem={setProblem}
        />
      </PageHeader>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {operationLabel(value.operation)} of {resourceText(value)}, requested by{' '}
        {requesterText(value)} {formatRelative(value.createdAt)}
        {expires ? ` — expires ${expires}` : ''}
      </Typography>
      <RefreshFailed error={request.error} what="state" />
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
              <RequestDetails request={value} />
            </Section>
            <Section title="Timeline">
              <RequestTimeline request={value} />
            </Section>
          </Box>
        </Grid>
      </Grid>
    </>
  );
};
