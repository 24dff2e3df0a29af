import { ReactNode } from 'react';
import { Link as RouterLink, useLocation } from 'react-router-dom';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Grid from '@mui/material/Grid';
import Link from '@mui/material/Link';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import { useRouteRef } from '@backstage/core-plugin-api';
import {
  DevexMetric,
  DevexMetricReports,
} from '@trellis/backstage-plugin-devex-common';
import { rootRouteRef } from '../../routes';
import { DataTable } from '../shared/DataTable';
import { deliveryFigures, TierChip } from '../shared/delivery';
import { FiltersBar } from '../shared/FiltersBar';
import {
  formatCount,
  formatPercent,
  formatSeconds,
  shortEntityRef,
} from '../shared/format';
import { csvName } from '../shared/MetricView';
import { ReportError } from '../shared/ReportStates';
import { useReport } from '../shared/useReport';
import { DevexFilters, useDevexFilters } from '../shared/useDevexFilters';

/** One headline figure of a team, as the summary table and CSV list it. */
interface TeamFigure {
  area: string;
  label: string;
  /** As shown. */
  value: string;
  /** Raw, for the CSV (ratios 0–1, seconds). */
  raw: number | null;
  detail?: string;
  tier?: ReturnType<typeof deliveryFigures>[number]['tier'];
}

const days = (d: number | null) =>
  d === null
    ? '—'
    : `${d.toLocaleString('en-US', { maximumFractionDigits: 1 })} d`;

const AREAS: {
  metric: DevexMetric;
  title: string;
  tab: string;
  figures: (report: any) => TeamFigure[];
}[] = [
  {
    metric: 'adoption',
    title: 'Adoption',
    tab: 'adoption',
    figures: (r: DevexMetricReports['adoption']) => [
      {
        area: 'Adoption',
        label: 'Active users',
        value: `${formatCount(r.totals.activeUsers)} of ${formatCount(
          r.eligibleUsers,
        )}`,
        raw: r.totals.activeUsers,
        detail: `${formatPercent(
          r.totals.adoptionRate,
        )} adoption; ${formatCount(r.totals.newUsers)} new`,
      },
    ],
  },
  {
    metric: 'golden-paths',
    title: 'Golden paths',
    tab: 'golden-paths',
    figures: (r: DevexMetricReports['golden-paths']) => [
      {
        area: 'Golden paths',
        label: 'Golden-path runs',
        value: formatCount(r.totals.runs),
        raw: r.totals.runs,
        detail: `${formatCount(r.totals.completed)} completed, ${formatCount(
          r.totals.failed,
        )} failed`,
      },
      {
        area: 'Golden paths',
        label: 'Golden-path success rate',
        value: formatPercent(r.totals.successRate),
        raw: r.totals.successRate,
      },
      {
        area: 'Golden paths',
        label: 'Time saved',
        value: formatSeconds(r.totals.timeSavedSeconds),
        raw: r.totals.timeSavedSeconds,
      },
    ],
  },
  {
    metric: 'service-levels',
    title: 'Platform service levels',
    tab: 'service-levels',
    figures: (r: DevexMetricReports['service-levels']) => [
      {
        area: 'Platform service levels',
        label: 'Platform requests',
        value: formatCount(r.totals.requests),
        raw: r.totals.requests,
        detail: `${formatPercent(r.totals.failureRate)} failed`,
      },
      {
        area: 'Platform service levels',
        label: 'Time to Ready (p50)',
        value: formatSeconds(r.totals.timeToReadyP50Seconds),
        raw: r.totals.timeToReadyP50Seconds,
      },
    ],
  },
  {
    metric: 'delivery',
    title: 'Delivery',
    tab: 'delivery',
    figures: (r: DevexMetricReports['delivery']) =>
      deliveryFigures(r.totals).map(f => {
        const t = r.totals;
        const raw = {
          deploymentFrequency: t.deploymentFrequency.perWeek,
          leadTime: t.leadTime.p50Seconds,
          changeFailureRate: t.changeFailureRate.rate,
          recoveryTime: t.recoveryTime.p50Seconds,
          reworkRate: t.reworkRate.rate,
        }[f.key];
        return {
          area: 'Delivery',
          label: f.label,
          value: f.value,
          raw,
          detail: f.detail,
          tier: f.tier,
        };
      }),
  },
  {
    metric: 'onboarding',
    title: 'Onboarding',
    tab: 'delivery',
    figures: (r: DevexMetricReports['onboarding']) => [
      {
        area: 'Onboarding',
        label: 'New users',
        value: formatCount(r.totals.newUsers),
        raw: r.totals.newUsers,
      },
      {
        area: 'Onboarding',
        label: 'Days to first change',
        value: days(r.totals.medianDaysToFirstChange),
        raw: r.totals.medianDaysToFirstChange,
        detail: `median; ${formatCount(
          r.totals.withFirstChange,
        )} have merged one`,
      },
      {
        area: 'Onboarding',
        label: `Days to change ${r.nthChange}`,
        value: days(r.totals.medianDaysToNthChange),
        raw: r.totals.medianDaysToNthChange,
      },
    ],
  },
];

const FigureGrid = (props: { figures: TeamFigure[] }) => (
  <Grid container spacing={2}>
    {props.figures.map(f => (
      <Grid item xs={12} sm={6} md={4} lg key={f.label}>
        <Card
          variant="outlined"
          component="section"
          aria-label={f.label}
          sx={{ height: '100%' }}
        >
          <CardContent>
            <Typography variant="overline" component="p" color="text.secondary">
              {f.label}
            </Typography>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
              <Typography variant="h5" component="p" aria-label={f.label}>
                {f.value}
              </Typography>
              <TierChip tier={f.tier} />
            </Box>
            {f.detail && (
              <Typography variant="body2" color="text.secondary">
                {f.detail}
              </Typography>
            )}
          </CardContent>
        </Card>
      </Grid>
    ))}
  </Grid>
);

type ReportState = ReturnType<typeof useReport<DevexMetric>>;

const Area = (props: { area: (typeof AREAS)[number]; report: ReportState }) => {
  const { area, report } = props;
  const root = useRouteRef(rootRouteRef);
  const { search } = useLocation();
  let body: ReactNode;
  if (report.loading && !report.value) {
    body = (
      <Skeleton
        variant="rounded"
        height={110}
        aria-label={`Loading ${area.title}`}
      />
    );
  } else if (report.error) {
    body = (
      <ReportError
        error={report.error}
        title={`Could not load the ${area.title.toLowerCase()} figures`}
      />
    );
  } else if (report.value) {
    body = <FigureGrid figures={area.figures(report.value)} />;
  }
  return (
    <Box component="section" aria-label={area.title} sx={{ mb: 3 }}>
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2, mb: 1 }}>
        <Typography variant="h6" component="h2">
          {area.title}
        </Typography>
        <Link component={RouterLink} to={`${root()}/${area.tab}${search}`}>
          All {area.title.toLowerCase()} figures
        </Link>
      </Box>
      {body}
    </Box>
  );
};

/** The five reports for one team, each fetched once. */
const TeamView = (props: { filters: DevexFilters }) => {
  const { filters } = props;
  const reports: ReportState[] = [
    useReport('adoption', filters),
    useReport('golden-paths', filters),
    useReport('service-levels', filters),
    useReport('delivery', filters),
    useReport('onboarding', filters),
  ];
  const rows = AREAS.flatMap((area, i) =>
    reports[i].value ? area.figures(reports[i].value) : [],
  );
  return (
    <>
      <Typography variant="h5" component="p" sx={{ mb: 2 }}>
        {shortEntityRef(filters.team)}
      </Typography>
      {AREAS.map((area, i) => (
        <Area key={area.metric} area={area} report={reports[i]} />
      ))}
      <DataTable<TeamFigure>
        title="All figures of the team"
        filename={csvName(filters, 'team', 'summary')}
        rows={rows}
        rowKey={r => `${r.area}/${r.label}`}
        emptyText="No figures yet."
        columns={[
          { title: 'Area', value: r => r.area },
          { title: 'Figure', value: r => r.label, nowrap: true },
          { title: 'Value', value: r => r.raw, render: r => r.value },
          {
            title: 'Tier',
            value: r => r.tier ?? null,
            render: r => (r.tier ? <TierChip tier={r.tier} /> : '—'),
          },
        ]}
      />
    </>
  );
};

/**
 * One team on one page: its adoption, golden paths, platform service levels,
 * delivery and onboarding for the chosen range, each linking to its tab, and
 * every figure in one table (CSV).
 */
export const TeamTab = () => {
  const [filters, setFilters] = useDevexFilters();
  let body: ReactNode;
  if (filters.problem) {
    body = <Alert severity="warning">{filters.problem}</Alert>;
  } else if (!filters.team) {
    body = (
      <Alert severity="info" role="status">
        Choose a team above to see its adoption, golden paths, platform service
        levels, delivery and onboarding on one page.
      </Alert>
    );
  } else {
    body = <TeamView filters={filters} />;
  }
  return (
    <Box component="section" aria-label="Team">
      <FiltersBar filters={filters} onChange={setFilters} />
      {body}
    </Box>
  );
};
