import Grid from '@mui/material/Grid';
import {
  GoldenPathFailure,
  GoldenPathFigures,
  GoldenPathsReport,
} from '@trellis/backstage-plugin-devex-common';
import { ChartCard } from '../shared/ChartCard';
import { Column, DataTable } from '../shared/DataTable';
import {
  formatCount,
  formatPercent,
  formatSeconds,
  shortEntityRef,
  teamLabel,
} from '../shared/format';
import { csvName, MetricView } from '../shared/MetricView';
import { StatTile } from '../shared/StatTile';
import { DevexFilters } from '../shared/useDevexFilters';

/** The figure columns every golden-path table shares. */
function figureColumns<T extends GoldenPathFigures>(): Column<T>[] {
  return [
    {
      title: 'Runs',
      value: r => r.runs,
      align: 'right',
      render: r => formatCount(r.runs),
    },
    {
      title: 'Succeeded',
      value: r => r.completed,
      align: 'right',
      render: r => formatCount(r.completed),
    },
    {
      title: 'Failed',
      value: r => r.failed,
      align: 'right',
      render: r => formatCount(r.failed),
    },
    {
      title: 'Cancelled',
      value: r => r.cancelled,
      align: 'right',
      render: r => formatCount(r.cancelled),
    },
    {
      title: 'Success rate',
      value: r => r.successRate,
      align: 'right',
      render: r => formatPercent(r.successRate),
    },
    {
      title: 'Median duration (s)',
      value: r => r.medianDurationSeconds,
      align: 'right',
      render: r => formatSeconds(r.medianDurationSeconds),
    },
    {
      title: 'p90 duration (s)',
      value: r => r.p90DurationSeconds,
      align: 'right',
      render: r => formatSeconds(r.p90DurationSeconds),
    },
    {
      title: 'Time saved (s)',
      value: r => r.timeSavedSeconds,
      align: 'right',
      render: r => formatSeconds(r.timeSavedSeconds),
    },
  ];
}

const failureColumns: Column<GoldenPathFailure>[] = [
  { title: 'Template', value: f => shortEntityRef(f.templateRef) },
  { title: 'Step', value: f => f.step },
  { title: 'Message', value: f => f.message },
  {
    title: 'Runs',
    value: f => f.count,
    align: 'right',
    render: f => formatCount(f.count),
  },
];

const GoldenPathFiguresView = (props: {
  report: GoldenPathsReport;
  filters: DevexFilters;
}) => {
  const { report, filters } = props;
  const { totals } = report;
  return (
    <>
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid item xs={6} md={3}>
          <StatTile
            label="Runs"
            value={formatCount(totals.runs)}
            detail={`${formatCount(totals.cancelled)} cancelled, counted apart`}
          />
        </Grid>
        <Grid item xs={6} md={3}>
          <StatTile
            label="Success rate"
            value={formatPercent(totals.successRate)}
            detail={`${formatCount(totals.completed)} succeeded, ${formatCount(
              totals.failed,
            )} failed`}
          />
        </Grid>
        <Grid item xs={6} md={3}>
          <StatTile
            label="Median duration"
            value={formatSeconds(totals.medianDurationSeconds)}
            detail={`p90 ${formatSeconds(totals.p90DurationSeconds)}`}
          />
        </Grid>
        <Grid item xs={6} md={3}>
          <StatTile
            label="Time saved"
            value={formatSeconds(totals.timeSavedSeconds)}
            detail="backstage.io/time-saved × successful runs"
          />
        </Grid>
      </Grid>
      <Grid container spacing={2}>
        <Grid item xs={12}>
          <ChartCard
            title="Golden-path runs"
            subheader="Runs per day by outcome"
            filename={csvName(filters, 'golden-paths', 'runs-per-day')}
            kind="bar"
            stacked
            dates={report.series.map(p => p.date)}
            series={[
              {
                label: 'Succeeded',
                data: report.series.map(p => p.completed),
                color: 'success',
              },
              {
                label: 'Failed',
                data: report.series.map(p => p.failed),
                color: 'error',
              },
              {
                label: 'Cancelled',
                data: report.series.map(p => p.cancelled),
                color: 'grey',
              },
            ]}
          />
        </Grid>
        <Grid item xs={12}>
          <DataTable
            title="By template"
            filename={csvName(filters, 'golden-paths', 'by-template')}
            rows={report.templates}
            rowKey={row => row.templateRef}
            emptyText="No template ran in this range."
            columns={[
              {
                title: 'Template',
                value: row => row.title ?? shortEntityRef(row.templateRef),
              },
              ...figureColumns<GoldenPathsReport['templates'][number]>(),
            ]}
          />
        </Grid>
        <Grid item xs={12} lg={7}>
          <DataTable
            title="Top failure reasons"
            subheader="The step that failed and its message"
            filename={csvName(filters, 'golden-paths', 'top-failures')}
            rows={report.topFailures}
            rowKey={f => `${f.templateRef}/${f.step}/${f.message}`}
            emptyText="No run failed in this range."
            columns={failureColumns}
          />
        </Grid>
        <Grid item xs={12} lg={5}>
          <DataTable
            title="By team"
            subheader="Teams below the privacy minimum count together under Other."
            filename={csvName(filters, 'golden-paths', 'by-team')}
            rows={report.byTeam}
            rowKey={row => row.team}
            isFolded={row => Boolean(row.folded)}
            emptyText="No team ran a golden path in this range."
            columns={[
              { title: 'Team', value: row => teamLabel(row) },
              ...figureColumns<GoldenPathsReport['byTeam'][number]>().filter(
                c =>
                  [
                    'Runs',
                    'Success rate',
                    'Median duration (s)',
                    'Time saved (s)',
                  ].includes(c.title),
              ),
            ]}
          />
        </Grid>
      </Grid>
    </>
  );
};

/** Golden-path outcomes: runs, success, durations, failure reasons, time saved; by template and team. */
export const GoldenPathsTab = () => (
  <MetricView
    metric="golden-paths"
    label="Golden paths"
    what="golden-path runs"
    isEmpty={report => report.totals.runs === 0}
  >
    {(report, filters) => (
      <GoldenPathFiguresView report={report} filters={filters} />
    )}
  </MetricView>
);
