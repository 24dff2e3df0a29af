import { ReactNode } from 'react';
import { EmptyState, ResponseErrorPanel } from '@backstage/core-components';
import { ResponseError } from '@backstage/errors';
import { DevexSourceStatus } from '@trellis/backstage-plugin-devex-common';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Skeleton from '@mui/material/Skeleton';
import Grid from '@mui/material/Grid';
import Typography from '@mui/material/Typography';

/** The shape of a tab while its report loads: tiles and a chart, greyed. */
export const ReportSkeleton = () => (
  <Box role="progressbar" aria-label="Loading figures" data-testid="progress">
    <Grid container spacing={2} sx={{ mb: 2 }}>
      {[0, 1, 2, 3].map(i => (
        <Grid item xs={6} md={3} key={i}>
          <Skeleton variant="rounded" height={96} />
        </Grid>
      ))}
    </Grid>
    <Skeleton variant="rounded" height={300} />
  </Box>
);

/** An entity card's body while its figures load. */
export const CardLoading = (props: { height: number }) => (
  <Box role="progressbar" aria-label="Loading figures">
    <Skeleton variant="rounded" height={props.height} />
  </Box>
);

/** An entity card's body when its figures could not be read: no permission, or why. */
export const CardError = (props: { error: Error; what: string }) => {
  const status =
    props.error instanceof ResponseError ? props.error.statusCode : undefined;
  return (
    <Alert severity={status === 403 ? 'info' : 'warning'}>
      {status === 403
        ? 'You may not see DevEx figures (devex.metrics.read).'
        : `${props.what} unavailable: ${props.error.message}`}
    </Alert>
  );
};

/** Errors a reader can act on: no permission, no backend, bad range; else the backend's message. */
export const ReportError = (props: { error: Error; title: string }) => {
  const status =
    props.error instanceof ResponseError ? props.error.statusCode : undefined;
  if (status === 403) {
    return (
      <EmptyState
        missing="info"
        title="You may not see DevEx figures"
        description="Reading them needs the devex.metrics.read permission. Ask your Backstage administrators for it."
      />
    );
  }
  if (status === 404) {
    return (
      <EmptyState
        missing="info"
        title="The DevEx backend is not installed"
        description="This app has the DevEx page, but its backend does not answer at /api/devex. Add @trellis/backstage-plugin-devex-backend to the backend (see the plugin's README)."
      />
    );
  }
  return <ResponseErrorPanel error={props.error} title={props.title} />;
};

/**
 * Nothing to show: names the sources that have delivered nothing and how to
 * connect each; if every source has delivered, the range or team is empty.
 */
export const ReportEmpty = (props: {
  what: string;
  sources: DevexSourceStatus[];
  filtered: boolean;
  children?: ReactNode;
}) => {
  const missing = props.sources.filter(s => s.facts === 0);
  if (missing.length > 0) {
    return (
      <Alert severity="info" role="status" sx={{ mb: 2 }}>
        <AlertTitle>
          No {props.what} yet: {missing.map(s => s.title).join(' and ')}{' '}
          {missing.length === 1 ? 'has' : 'have'} not delivered anything
        </AlertTitle>
        <List dense disablePadding>
          {missing.map(source => (
            <ListItem key={source.id} disableGutters>
              <ListItemText
                primary={`How to connect ${source.title}`}
                secondary={source.howToConnect}
              />
            </ListItem>
          ))}
        </List>
        {props.children}
      </Alert>
    );
  }
  return (
    <Alert severity="info" role="status" sx={{ mb: 2 }}>
      <AlertTitle>No {props.what} in this range</AlertTitle>
      <Typography variant="body2">
        {props.filtered
          ? 'Nothing happened for this team in the chosen days. Try a longer range or all teams.'
          : 'The sources are connected, but nothing happened in the chosen days. Try a longer range.'}
      </Typography>
    </Alert>
  );
};

/**
 * Said above delivery figures while the delivery index is still reading
 * stored facts (a large import or backfill): what is shown is incomplete.
 */
export const IndexingNotice = (props: { indexing?: { factsBehind: number } }) =>
  props.indexing ? (
    <Alert severity="info" role="status" sx={{ mb: 2 }}>
      Still reading {props.indexing.factsBehind.toLocaleString('en-US')} stored
      delivery facts (a large import or backfill): these figures are from what
      has been read so far. Reload in a few minutes for all of them.
    </Alert>
  ) : null;
