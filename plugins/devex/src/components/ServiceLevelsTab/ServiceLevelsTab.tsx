import Grid from '@mui/material/Grid';
import { ServiceLevelsReport } from '@trellis/backstage-plugin-devex-common';
import { ChartCard } from '../shared/ChartCard';
import { DataTable } from '../shared/DataTable';
import { formatCount, formatPercent, formatSeconds } from '../shared/format';
import { csvName, MetricView } from '../shared/MetricView';
import { StatTile } from '../shared/StatTile';
import { DevexFilters } from '../shared/useDevexFilters';

const ServiceLevelFigures = (props: {
  report: ServiceLevelsReport;
  filters: DevexFilters;
}) => {
  const { report, filters } = props;
  const { totals } = report;
  return (
    <>
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid item xs={6} md={4} lg>
          <StatTile
            label="Requests"
            value={formatCount(totals.requests)}
            detail={`${formatCount(totals.ready)} ready, ${formatCount(
              totals.failed,
            )} failed`}
          />
        </Grid>
        <Grid item xs={6} md={4} lg>
          <StatTile
            label="Time to Ready"
            value={formatSeconds(totals.timeToReadyP50Seconds)}
            detail={`p50; p95 ${formatSeconds(totals.timeToReadyP95Seconds)}`}
          />
        </Grid>
        <Grid item xs={6} md={4} lg>
          <StatTile
            label="Pickup wait"
            value={formatSeconds(totals.pickupWaitP50Seconds)}
            detail={`p50 before an engine took it; p95 ${formatSeconds(
              totals.pickupWaitP95Seconds,
            )}`}
          />
        </Grid>
        <Grid item xs={6} md={6} lg>
          <StatTile
            label="Failure rate"
            value={formatPercent(totals.failureRate)}
            detail="of requests that reached Ready or Failed"
          />
        </Grid>
        <Grid item xs={12} md={6} lg>
          <StatTile
            label="Rollouts"
            value={`${formatCount(totals.rolloutsCompleted)} completed`}
            detail={`${formatCount(totals.rolloutsFailed)} failed`}
          />
        </Grid>
      </Grid>
      <Grid container spacing={2}>
        <Grid item xs={12}>
          <ChartCard
            title="Platform requests"
            subheader="Requests per day, and those that became Ready or Failed"
            filename={csvName(filters, 'service-levels', 'requests-per-day')}
            kind="line"
            dates={report.series.map(p => p.date)}
            series={[
              {
                label: 'Requested',
                data: report.series.map(p => p.requests),
                color: 'primary',
              },
              {
                label: 'Ready',
                data: report.series.map(p => p.ready),
                color: 'success',
              },
              {
                label: 'Failed',
                data: report.series.map(p => p.failed),
                color: 'error',
              },
            ]}
          />
        </Grid>
        <Grid item xs={12}>
          <DataTable
            title="By capability and engine"
            filename={csvName(filters, 'service-levels', 'by-capability')}
            rows={report.capabilities}
            rowKey={row => `${row.engine}/${row.capabilityRef}`}
            emptyText="No capability was requested in this range."
            columns={[
              { title: 'Capability', value: r => r.capabilityRef },
              { title: 'Engine', value: r => r.engine },
              {
                title: 'Requests',
                value: r => r.requests,
                align: 'right',
                render: r => formatCount(r.requests),
              },
              {
                title: 'Ready',
                value: r => r.ready,
                align: 'right',
                render: r => formatCount(r.ready),
              },
              {
                title: 'Failed',
                value: r => r.failed,
                align: 'right',
                render: r => formatCount(r.failed),
              },
              {
                title: 'Failure rate',
                value: r => r.failureRate,
                align: 'right',
                render: r => formatPercent(r.failureRate),
              },
              {
                title: 'Time to Ready p50 (s)',
                value: r => r.timeToReadyP50Seconds,
                align: 'right',
                render: r => formatSeconds(r.timeToReadyP50Seconds),
              },
              {
                title: 'Time to Ready p95 (s)',
                value: r => r.timeToReadyP95Seconds,
                align: 'right',
                render: r => formatSeconds(r.timeToReadyP95Seconds),
              },
              {
                title: 'Pickup wait p50 (s)',
                value: r => r.pickupWaitP50Seconds,
                align: 'right',
                render: r => formatSeconds(r.pickupWaitP50Seconds),
              },
              {
                title: 'Pickup wait p95 (s)',
                value: r => r.pickupWaitP95Seconds,
                align: 'right',
                render: r => formatSeconds(r.pickupWaitP95Seconds),
              },
            ]}
          />
        </Grid>
        <Grid item xs={12}>
          <DataTable
            title="Top failure messages"
            filename={csvName(filters, 'service-levels', 'top-failures')}
            rows={report.topFailures}
            rowKey={f => `${f.capabilityRef}/${f.message}`}
            emptyText="No request failed in this range."
            columns={[
              { title: 'Capability', value: f => f.capabilityRef },
              { title: 'Message', value: f => f.message },
              {
                title: 'Failures',
                value: f => f.count,
                align: 'right',
                render: f => formatCount(f.count),
              },
            ]}
          />
        </Grid>
      </Grid>
    </>
  );
};

/** The platform's own service levels, from its resource history. */
export const ServiceLevelsTab = () => (
  <MetricView
    metric="service-levels"
    label="Service levels"
    what="platform requests"
    isEmpty={report =>
      report.totals.requests === 0 &&
      report.totals.rolloutsCompleted + report.totals.rolloutsFailed === 0
    }
  >
    {(report, filters) => (
      <ServiceLevelFigures report={report} filters={filters} />
    )}
  </MetricView>
);
