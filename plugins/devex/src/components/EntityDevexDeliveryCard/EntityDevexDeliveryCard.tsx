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
import { DeliveryReport } from '@trellis/backstage-plugin-devex-common';
import { devexApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { presetRange } from '../shared/dateRange';
import { CardError, CardLoading, IndexingNotice } from '../shared/ReportStates';
import { deliveryFigures, hasDelivery, TierChip } from '../shared/delivery';

const DAYS = 30;

const DeliveryTabLink = (props: { team?: string }) => {
  const route = useRouteRef(rootRouteRef);
  const query = new URLSearchParams({ range: String(DAYS) });
  if (props.team) query.set('team', props.team);
  return (
    <Box sx={{ mt: 2 }}>
      <Link component={RouterLink} to={`${route()}/delivery?${query}`}>
        Charts and the evidence on the Delivery tab
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

const Figures = (props: { report: DeliveryReport }) => {
  const row = props.report.components[0];
  return (
    <>
      <Box
        sx={{
          display: 'grid',
          gridTemplateColumns: 'repeat(auto-fill, minmax(170px, 1fr))',
          gap: 2,
        }}
      >
        {deliveryFigures(props.report.totals).map(figure => (
          <Box key={figure.key}>
            <Typography variant="overline" component="p" color="text.secondary">
              {figure.label}
            </Typography>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
              <Typography variant="h6" component="p" aria-label={figure.label}>
                {figure.value}
              </Typography>
              <TierChip tier={figure.tier} />
            </Box>
            <Typography variant="caption" color="text.secondary">
              {figure.detail}
            </Typography>
          </Box>
        ))}
      </Box>
      {row?.goldenPath && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 2 }}>
          Created from a golden path.
        </Typography>
      )}
    </>
  );
};

/**
 * A component's delivery over the last 30 days: the five DORA figures with
 * their tiers, from its repository's pull requests and deployments and its
 * incidents.
 */
export const EntityDevexDeliveryCard = () => {
  const { entity } = useEntity();
  const devexApi = useApi(devexApiRef);
  const component = stringifyEntityRef(entity);
  const report = useAsync(
    () => devexApi.getDelivery({ ...presetRange(DAYS), component }),
    [devexApi, component],
  );

  let body;
  if (report.loading) {
    body = <CardLoading height={140} />;
  } else if (report.error) {
    body = <CardError error={report.error} what="Delivery figures" />;
  } else if (report.value && !hasDelivery(report.value.totals)) {
    body = (
      <Alert severity="info" role="status">
        No deployments, merged changes or incidents of this component in the
        last {DAYS} days. Delivery is read from the repository its{' '}
        <code>github.com/project-slug</code> or{' '}
        <code>gitlab.com/project-slug</code> annotation names.
      </Alert>
    );
  } else if (report.value) {
    body = <Figures report={report.value} />;
  }

  const team = report.value?.components[0]?.team;
  return (
    <InfoCard title="Delivery" subheader={`Last ${DAYS} days`}>
      <IndexingNotice indexing={report.value?.indexing} />
      {body}
      <UnlessUnmounted>
        <DeliveryTabLink team={team} />
      </UnlessUnmounted>
    </InfoCard>
  );
};
