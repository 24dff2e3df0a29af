import { useEffect, useRef, useState } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Grid from '@mui/material/Grid';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import DeleteIcon from '@mui/icons-material/Delete';
import EditIcon from '@mui/icons-material/Edit';
import {
  isPendingApproval,
  PendingApproval,
  PlatformResource,
  resourceSignalChannel,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { useRefreshable } from '../../hooks/useRefreshable';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useSignalChannels } from '../../hooks/useSignalChannels';
import { changeRequestRouteRef, resourcesRouteRef } from '../../routes';
import { ChangeRequestBanner } from '../ApprovalsPage/ChangeRequestBanner';
import { BackLink } from '../shared/BackLink';
import { LiveStatusNote } from '../shared/LiveStatusNote';
import { NotLoaded } from '../shared/NotLoaded';
import { PageHeader } from '../shared/PageHeader';
import { PhaseChip } from '../shared/PhaseChip';
import { RefreshFailed } from '../shared/RefreshFailed';
import { Section } from '../shared/Section';
import { WithReason } from '../shared/WithReason';
import { DeleteResourceDialog } from './DeleteResourceDialog';
import { PendingNotice } from './PendingNotice';
import { PipelineLogs } from './PipelineLogs';
import { Conditions, Details, Outputs, Spec } from './ResourceSections';
import { Timeline } from './Timeline';
import { UpdateResourceDialog } from './UpdateResourceDialog';
import { useChangePermissions } from './useChangePermissions';

/**
 * One resource with its live status: the platform pushes a signal on every
 * change and the page fetches the resource again (the signal says only that
 * something changed; what the viewer may see comes from the API). Also its
 * conditions, history, outputs, spec, pipeline logs, and the update and
 * delete actions the viewer is allowed.
 *
 * A signal reads the resource alone, at once, from the signal's callback;
 * the history and the logs are read again only once the resource read shows
 * that something changed, so they neither delay the status nor run for
 * signals that changed nothing new. A signal during a read keeps that read:
 * its answer is shown, and one more read follows.
 */
export const ResourcePage = () => {
  const { id = '' } = useParams();
  const api = useApi(platformApiRef);
  const inventoryLink = useRouteRef(resourcesRouteRef);

  const resource = useRefreshable(() => api.getResource(id), [api, id], id);
  const history = useRefreshable(
    () => api.getResourceHistory(id),
    [api, id],
    id,
  );
  const logs = useRefreshable(() => api.getResourceLogs(id), [api, id], id);
  const isSignalsAvailable = useSignalChannels(
    [resourceSignalChannel(id)],
    resource.refresh,
  );
  // The history and logs follow the resource: read them again when a read
  // of the resource brought something new (not on the first read, which
  // they accompany).
  const seen = useRef<{ id: string; state: string }>();
  const state = resource.value ? JSON.stringify(resource.value) : undefined;
  const { refresh: refreshHistory } = history;
  const { refresh: refreshLogs } = logs;
  useEffect(() => {
    if (!state) return;
    const before = seen.current;
    seen.current = { id, state };
    if (before?.id === id && before.state !== state) {
      refreshHistory();
      refreshLogs();
    }
  }, [id, state, refreshHistory, refreshLogs]);
  const capabilityRef = resource.value?.capabilityRef;
  const capability = useAsync(
    async () => (capabilityRef ? api.getCapability(capabilityRef) : undefined),
    [api, capabilityRef],
  );
  const reasons = useChangePermissions(resource.value);
  usePageTitle(
    resource.value
      ? `${resource.value.name} (${resource.value.environment})`
      : 'Resource',
    'Resources',
    'Platform',
  );
  const [dialog, setDialog] = useState<'update' | 'delete'>();
  const [notice, setNotice] = useState<string>();
  // The viewer's own change that became a change request: neither an error
  // nor a success, so it gets its own notice with a link to the request.
  const [approval, setApproval] = useState<PendingApproval>();
  const requestLink = useRouteRef(changeRequestRouteRef);

  const refresh = () => {
    resource.refresh();
    history.refresh();
    logs.refresh();
  };

  const back = <BackLink to={inventoryLink()}>Resources</BackLink>;
  if (!resource.value) {
    return (
      <NotLoaded
        loading={resource.loading}
        error={resource.error}
        what="resource"
        notFound={{
          title: 'Resource not found',
          description:
            'It may have been deleted, or you may not be allowed to see it.',
        }}
        back={back}
      />
    );
  }

  const value: PlatformResource = resource.value;
  let updateReason = reasons.update;
  if (!updateReason && capability.error) {
    updateReason = 'The capability schema could not be loaded';
  } else if (!updateReason && !capability.value) {
    updateReason = 'Loading the capability schema…';
  }
  // The capability says whether changes need the viewer's own token; a
  // capability that cannot be loaded does not block deleting.
  const capabilityLoading = !capability.value && !capability.error;
  const deleteReason =
    reasons.delete ??
    (capabilityLoading ? 'Loading the capability…' : undefined);
  const retryReason =
    reasons.retry ??
    (capabilityLoading ? 'Loading the capability…' : undefined);

  return (
    <>
      {back}
      <PageHeader component="header">
        <Typography
          variant="h4"
          component="h2"
          noWrap
          title={value.name}
          sx={{ minWidth: 0, maxWidth: '100%' }}
        >
          {value.name}
        </Typography>
        <Box role="status" aria-label="Phase">
          <PhaseChip phase={value.status.phase} size="medium" />
        </Box>
        <LiveStatusNote live={isSignalsAvailable} onRefresh={refresh} />
        <Box sx={{ flexGrow: 1 }} />
        <WithReason reason={updateReason}>
          <Button
            variant="outlined"
            startIcon={<EditIcon />}
            disabled={Boolean(updateReason)}
            onClick={() => setDialog('update')}
          >
            Update
          </Button>
        </WithReason>
        <WithReason reason={deleteReason}>
          <Button
            variant="outlined"
            color="error"
            startIcon={<DeleteIcon />}
            disabled={Boolean(deleteReason)}
            onClick={() => setDialog('delete')}
          >
            Delete
          </Button>
        </WithReason>
      </PageHeader>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {capability.value?.title ?? value.capabilityRef} in {value.environment}
        {value.status.message ? ` — ${value.status.message}` : ''}
      </Typography>
      <RefreshFailed error={resource.error} what="state" />
      <PendingNotice
        resource={value}
        capability={capability.value}
        retryReason={retryReason}
        onRetried={retried => {
          setNotice(
            retried.pending
              ? undefined
              : 'The engine has the change now; the status follows its progress.',
          );
          refresh();
        }}
      />
      <ChangeRequestBanner resourceId={value.id} onChange={refresh} />
      {approval && (
        <Alert
          severity="info"
          role="status"
          aria-label="Needs approval"
          sx={{ mb: 2 }}
          onClose={() => setApproval(undefined)}
          action={
            <Button
              color="inherit"
              size="small"
              component={RouterLink}
              to={requestLink({ id: approval.changeRequest.id })}
            >
              Open request
            </Button>
          }
        >
          Needs approval: change request {approval.changeRequest.id}. Nothing
          changes until someone with the approve permission approves it.
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
      <Grid container spacing={3}>
        <Grid item xs={12} md={7}>
          <Box sx={{ display: 'flex', flexDirection: 'column', gap: 3 }}>
            <Section title="Status">
              <Conditions resource={value} />
            </Section>
            <Section title="Outputs">
              <Outputs resource={value} />
            </Section>
            <Section title="Spec">
              <Spec resource={value} />
            </Section>
            {logs.error && (
              <Section title="Pipeline logs">
                <Typography color="error">
                  Could not load the logs: {logs.error.message}
                </Typography>
              </Section>
            )}
            {logs.value && logs.value.length > 0 && (
              <Section title="Pipeline logs">
                <PipelineLogs logs={logs.value} />
              </Section>
            )}
          </Box>
        </Grid>
        <Grid item xs={12} md={5}>
          <Box sx={{ display: 'flex', flexDirection: 'column', gap: 3 }}>
            <Section title="Details">
              <Details resource={value} capability={capability.value} />
            </Section>
            <Section title="Timeline">
              {history.error && (
                <Typography color="error">
                  Could not load the history: {history.error.message}
                </Typography>
              )}
              {!history.value && history.loading && (
                <Skeleton variant="rectangular" height={96} />
              )}
              {history.value && <Timeline events={history.value} />}
            </Section>
          </Box>
        </Grid>
      </Grid>
      {dialog === 'update' && capability.value && (
        <UpdateResourceDialog
          resource={value}
          capability={capability.value}
          onClose={() => setDialog(undefined)}
          onUpdated={updated => {
            setDialog(undefined);
            if (isPendingApproval(updated)) {
              setNotice(undefined);
              setApproval(updated);
            } else {
              setApproval(undefined);
              setNotice(
                `Saved as generation ${updated.generation}; the engine is applying it.`,
              );
            }
            refresh();
          }}
          onReload={async () => {
            const latest = await api.getResource(id);
            refresh();
            return latest;
          }}
        />
      )}
      {dialog === 'delete' && (
        <DeleteResourceDialog
          resource={value}
          capability={capability.value}
          onClose={() => setDialog(undefined)}
          onDeleted={deleted => {
            setDialog(undefined);
            if (isPendingApproval(deleted)) {
              setNotice(undefined);
              setApproval(deleted);
            } else {
              setApproval(undefined);
              setNotice('Deletion started; the status follows its progress.');
            }
            refresh();
          }}
        />
      )}
    </>
  );
};
