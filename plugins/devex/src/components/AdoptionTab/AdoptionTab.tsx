import { useState } from 'react';
import Box from '@mui/material/Box';
import Grid from '@mui/material/Grid';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import { alpha, useTheme } from '@mui/material/styles';
import { AdoptionReport } from '@trellis/backstage-plugin-devex-common';
import { ChartCard } from '../shared/ChartCard';
import { DataTable } from '../shared/DataTable';
import { formatCount, formatPercent, teamLabel } from '../shared/format';
import { csvName, MetricView } from '../shared/MetricView';
import { StatTile } from '../shared/StatTile';
import { DevexFilters } from '../shared/useDevexFilters';

type Granularity = 'daily' | 'weekly' | 'monthly';
const GRANULARITY_LABEL: Record<Granularity, string> = {
  daily: 'Daily',
  weekly: 'Weekly',
  monthly: 'Monthly',
};

const CohortTable = (props: {
  report: AdoptionReport;
  filters: DevexFilters;
}) => {
  const theme = useTheme();
  const weeks = Array.from({ length: 8 }, (_, i) => i + 1);
  return (
    <DataTable
      title="Weekly cohort retention"
      subheader="Of the users first seen in a week, the share active in each of the next 8 weeks. Cohorts below the privacy minimum show no shares."
      filename={csvName(props.filters, 'adoption', 'cohorts')}
      rows={props.report.cohorts}
      rowKey={row => row.week}
      emptyText="No new users in this range."
      columns={[
        { title: 'Cohort (week of)', value: row => row.week },
        { title: 'Users', value: row => row.size, align: 'right' },
        ...weeks.map(week => ({
          title: `Week ${week}`,
          align: 'right' as const,
          value: (row: AdoptionReport['cohorts'][number]) =>
            row.retention[week - 1] ?? null,
          render: (row: AdoptionReport['cohorts'][number]) => {
            const share = row.retention[week - 1];
            return (
              <Box
                component="span"
                sx={{
                  display: 'block',
                  px: 0.5,
                  borderRadius: 0.5,
                  bgcolor:
                    share === null || share === undefined
                      ? undefined
                      : alpha(theme.palette.primary.main, 0.1 + share * 0.6),
                }}
              >
                {formatPercent(share)}
              </Box>
            );
          },
        })),
      ]}
    />
  );
};

const AdoptionFigures = (props: {
  report: AdoptionReport;
  filters: DevexFilters;
}) => {
  const { report, filters } = props;
  const [granularity, setGranularity] = useState<Granularity>('daily');
  const active = report.activeUsers[granularity];
  const unit = { daily: 'day', weekly: 'week', monthly: 'month' }[granularity];
  return (
    <>
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid item xs={6} md={3}>
          <StatTile
            label="Active users"
            value={formatCount(report.totals.activeUsers)}
            detail={`of ${formatCount(report.eligibleUsers)} eligible`}
          />
        </Grid>
        <Grid item xs={6} md={3}>
          <StatTile
            label="Adoption rate"
            value={formatPercent(report.totals.adoptionRate)}
            detail="active at least once in the range"
          />
        </Grid>
        <Grid item xs={6} md={3}>
          <StatTile
            label="New users"
            value={formatCount(report.totals.newUsers)}
            detail="first seen in the range"
          />
        </Grid>
        <Grid item xs={6} md={3}>
          <StatTile
            label="Returning users"
            value={formatCount(report.totals.returningUsers)}
            detail="first seen before the range"
          />
        </Grid>
      </Grid>
      <Grid container spacing={2}>
        <Grid item xs={12} lg={7}>
          <ChartCard
            title="Active users"
            subheader={`Distinct users active per ${unit}, against the catalog's eligible users`}
            filename={csvName(
              filters,
              'adoption',
              `active-users-${granularity}`,
            )}
            kind="line"
            dates={active.map(p => p.date)}
            series={[
              {
                label: `${GRANULARITY_LABEL[granularity]} active users`,
                data: active.map(p => p.value),
                color: 'primary',
              },
              {
                label: 'Eligible users',
                data: active.map(() => report.eligibleUsers),
                color: 'grey',
              },
            ]}
            controls={
              <ToggleButtonGroup
                size="small"
                exclusive
                value={granularity}
                onChange={(_, value) => value && setGranularity(value)}
                aria-label="Active users per"
                sx={{ mb: 1 }}
              >
                {(Object.keys(GRANULARITY_LABEL) as Granularity[]).map(g => (
                  <ToggleButton key={g} value={g}>
                    {GRANULARITY_LABEL[g]}
                  </ToggleButton>
                ))}
              </ToggleButtonGroup>
            }
          />
        </Grid>
        <Grid item xs={12} lg={5}>
          <ChartCard
            title="New and returning users"
            subheader="Active users per week, first seen that week or before"
            filename={csvName(filters, 'adoption', 'new-vs-returning')}
            kind="bar"
            stacked
            dates={report.newVsReturning.map(w => w.week)}
            series={[
              {
                label: 'New',
                data: report.newVsReturning.map(w => w.new),
                color: 'secondary',
              },
              {
                label: 'Returning',
                data: report.newVsReturning.map(w => w.returning),
                color: 'primary',
              },
            ]}
          />
        </Grid>
        <Grid item xs={12}>
          <CohortTable report={report} filters={filters} />
        </Grid>
        <Grid item xs={12} md={6}>
          <DataTable
            title="Adoption by team"
            subheader="Teams below the privacy minimum count together under Other."
            filename={csvName(filters, 'adoption', 'by-team')}
            rows={report.byTeam}
            rowKey={row => row.team}
            isFolded={row => Boolean(row.folded)}
            emptyText="No team had active users in this range."
            columns={[
              { title: 'Team', value: row => teamLabel(row) },
              {
                title: 'Active users',
                value: row => row.activeUsers,
                align: 'right',
                render: row => formatCount(row.activeUsers),
              },
              {
                title: 'Eligible users',
                value: row => row.eligibleUsers,
                align: 'right',
                render: row => formatCount(row.eligibleUsers),
              },
              {
                title: 'Adoption',
                align: 'right',
                value: row =>
                  row.eligibleUsers
                    ? row.activeUsers / row.eligibleUsers
                    : null,
                render: row =>
                  formatPercent(
                    row.eligibleUsers
                      ? row.activeUsers / row.eligibleUsers
                      : null,
                  ),
              },
            ]}
          />
        </Grid>
        <Grid item xs={12} md={6}>
          <DataTable
            title="Adoption by plugin"
            filename={csvName(filters, 'adoption', 'by-plugin')}
            rows={report.byPlugin}
            rowKey={row => row.plugin}
            emptyText="No plugin reported activity in this range."
            columns={[
              { title: 'Plugin', value: row => row.plugin },
              {
                title: 'Active users',
                value: row => row.activeUsers,
                align: 'right',
                render: row => formatCount(row.activeUsers),
              },
              {
                title: 'Events',
                value: row => row.events,
                align: 'right',
                render: row => formatCount(row.events),
              },
            ]}
          />
        </Grid>
      </Grid>
    </>
  );
};

/** Who uses the portal: active users against eligible ones, new vs returning, cohorts, by team and plugin. */
export const AdoptionTab = () => (
  <MetricView
    metric="adoption"
    label="Adoption"
    what="portal activity"
    isEmpty={report => report.totals.activeUsers === 0}
  >
    {(report, filters) => <AdoptionFigures report={report} filters={filters} />}
  </MetricView>
);
