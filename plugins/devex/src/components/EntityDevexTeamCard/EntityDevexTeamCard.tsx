import { Component, ReactNode } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard } from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Link from '@mui/material/Link';
import Typography from '@mui/material/Typography';
import { TeamSummary } from '@trellis/backstage-plugin-devex-common';
import { devexApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { presetRange } from '../shared/dateRange';
import { CardError, CardLoading } from '../shared/ReportStates';
import { formatCount, formatPercent, formatSeconds } from '../shared/format';

const DAYS = 30;

const TeamPageLink = (props: { team: string }) => {
  const route = useRouteRef(rootRouteRef);
  const query = new URLSearchParams({ range: String(DAYS), team: props.team });
  return (
    <Box sx={{ mt: 2 }}>
      <Link component={RouterLink} to={`${route()}/team?${query}`}>
        All DevEx figures for this team
      </Link>
    </Box>
  );
};

/** Renders nothing instead of the link when the app has no DevEx page. */
class UnlessUnmounted extends Component<
  { children: ReactNode },
  { failed: boolean }
> {
  static getDerivedStateFromError() {
    return { failed: true };
  }
  state = { failed: false };
  render() {
    return this.state.failed ? null : this.props.children;
  }
}

const Figure = (props: { label: string; value: string }) => (
  <Box>
    <Typography variant="overline" component="p" color="text.secondary">
      {props.label}
    </Typography>
    <Typography variant="h6" component="p" aria-label={props.label}>
      {props.value}
    </Typography>
  </Box>
);

const Figures = (props: { summary: TeamSummary }) => {
  const s = props.summary;
  return (
    <Box
      sx={{
        display: 'grid',
        gridTemplateColumns: 'repeat(auto-fill, minmax(140px, 1fr))',
        gap: 2,
      }}
    >
      <Figure
        label="Active users"
        value={`${formatCount(s.activeUsers)} of ${formatCount(s.members)}`}
      />
      <Figure label="Golden-path runs" value={formatCount(s.goldenPathRuns)} />
      <Figure
        label="Success rate"
        value={formatPercent(s.goldenPathSuccessRate)}
      />
      <Figure label="Time saved" value={formatSeconds(s.timeSavedSeconds)} />
      <Figure
        label="Platform requests"
        value={formatCount(s.platformRequests)}
      />
      <Figure
        label="Time to Ready (p50)"
        value={formatSeconds(s.timeToReadyP50Seconds)}
      />
    </Box>
  );
};

/**
 * A group's headline DevEx figures over the last 30 days. A team smaller
 * than the privacy minimum has none: its figures count under "other".
 */
export const EntityDevexTeamCard = () => {
  const { entity } = useEntity();
  const devexApi = useApi(devexApiRef);
  const team = stringifyEntityRef(entity);
  const summary = useAsync(
    () => devexApi.getTeamSummary({ ...presetRange(DAYS), team }),
    [devexApi, team],
  );

  let body;
  if (summary.loading) {
    body = <CardLoading height={120} />;
  } else if (summary.error) {
    body = <CardError error={summary.error} what="DevEx figures" />;
  } else if (summary.value?.folded) {
    body = (
      <Alert severity="info">
        No figures for this team: with {formatCount(summary.value.members)}{' '}
        {summary.value.members === 1 ? 'member' : 'members'} it is below the
        privacy minimum, so its activity counts under “Other” with the other
        small teams.
      </Alert>
    );
  } else if (summary.value) {
    body = <Figures summary={summary.value} />;
  }

  return (
    <InfoCard title="DevEx" subheader={`Last ${DAYS} days`}>
      {body}
      <UnlessUnmounted>
        <TeamPageLink team={team} />
      </UnlessUnmounted>
    </InfoCard>
  );
};
