import Alert from '@mui/material/Alert';
import Grid from '@mui/material/Grid';
import Skeleton from '@mui/material/Skeleton';
import {
  DeliveryTier,
  ImpactReport,
  ImpactSide,
  OnboardingFigures,
  OnboardingReport,
} from '@trellis/backstage-plugin-devex-common';
import { Column, DataTable } from '../shared/DataTable';
import { formatPerWeek, tierName } from '../shared/delivery';
import { ReportError } from '../shared/ReportStates';
import {
  formatCount,
  formatPercent,
  formatSeconds,
  teamLabel,
} from '../shared/format';
import { csvName } from '../shared/MetricView';
import { StatTile } from '../shared/StatTile';
import { useReport } from '../shared/useReport';
import { DevexFilters } from '../shared/useDevexFilters';

const withTier = (value: string, tier: DeliveryTier | null) =>
  tier ? `${value} (${tierName(tier)})` : value;

const days = (d: number | null) =>
  d === null
    ? '—'
    : `${d.toLocaleString('en-US', { maximumFractionDigits: 1 })} d`;

/** The delivery columns of one side of a comparison (raw values in the CSV). */
function sideColumns<T>(
  prefix: string,
  side: (row: T) => ImpactSide | null,
  unit: string,
): Column<T>[] {
  const s = (row: T) => side(row);
  return [
    {
      title: `${prefix}${unit}`,
      value: r => s(r)?.n,
      align: 'right',
      render: r => formatCount(s(r)?.n),
    },
    {
      title: `${prefix}Deployments / week`,
      value: r => s(r)?.delivery.deploymentFrequency.perWeek,
      align: 'right',
      render: r => {
        const f = s(r)?.delivery.deploymentFrequency;
        return f ? withTier(formatPerWeek(f.perWeek), f.tier) : '—';
      },
    },
    {
      title: `${prefix}Lead time p50 (s)`,
      value: r => s(r)?.delivery.leadTime.p50Seconds,
      align: 'right',
      render: r => {
        const f = s(r)?.delivery.leadTime;
        return f ? withTier(formatSeconds(f.p50Seconds), f.tier) : '—';
      },
    },
    {
      title: `${prefix}Change failure rate`,
      value: r => s(r)?.delivery.changeFailureRate.rate,
      align: 'right',
      render: r => {
        const f = s(r)?.delivery.changeFailureRate;
        return f ? withTier(formatPercent(f.rate), f.tier) : '—';
      },
    },
    {
      title: `${prefix}Recovery p50 (s)`,
      value: r => s(r)?.delivery.recoveryTime.p50Seconds,
      align: 'right',
      render: r => {
        const f = s(r)?.delivery.recoveryTime;
        return f ? withTier(formatSeconds(f.p50Seconds), f.tier) : '—';
      },
    },
  ];
}

/** Golden-path components vs the rest, and each team before and after it adopted the platform. */
export const ImpactSection = (props: { filters: DevexFilters }) => {
  const { filters } = props;
  const report = useReport('impact', filters);
  if (report.loading && !report.value) {
    return (
      <Skeleton
        variant="rounded"
        height={200}
        aria-label="Loading the comparison"
      />
    );
  }
  if (report.error) {
    return (
      <ReportError
        error={report.error}
        title="Could not load the platform comparison"
      />
    );
  }
  const impact: ImpactReport | undefined = report.value;
  if (!impact) return null;
  type SplitRow = { label: string; side: ImpactSide };
  const split: SplitRow[] = [
    { label: 'Golden-path components', side: impact.goldenPath.goldenPath },
    { label: 'Other components', side: impact.goldenPath.other },
  ];
  type Team = ImpactReport['teams'][number];
  /** One row per team and side, so each side's size sits next to its figures. */
  type SideRow = { team: Team; when: 'Before' | 'After'; side: ImpactSide };
  const sides: SideRow[] = impact.teams.flatMap(team => [
    ...(team.before
      ? [{ team, when: 'Before' as const, side: team.before }]
      : []),
    ...(team.after ? [{ team, when: 'After' as const, side: team.after }] : []),
  ]);
  return (
    <Grid container spacing={2}>
      <Grid item xs={12}>
        <Alert severity="info" role="note">
          {impact.caveat}
        </Alert>
      </Grid>
      <Grid item xs={12}>
        <DataTable<SplitRow>
          title="Golden-path components vs the rest"
          subheader="Components created from a golden path against the others; n is the components on each side"
          filename={csvName(filters, 'impact', 'golden-path-split')}
          rows={split}
          rowKey={r => r.label}
          emptyText="No component delivered in this range."
          columns={[
            { title: 'Components', value: r => r.label, nowrap: true },
            ...sideColumns<SplitRow>('', r => r.side, 'n (components)'),
            {
              title: 'New users (their teams)',
              value: r => r.side.onboarding.newUsers,
              align: 'right',
              render: r => formatCount(r.side.onboarding.newUsers),
            },
            {
              title: 'Days to first change (median)',
              value: r => r.side.onboarding.medianDaysToFirstChange,
              align: 'right',
              render: r => days(r.side.onboarding.medianDaysToFirstChange),
            },
          ]}
        />
      </Grid>
      <Grid item xs={12}>
        <DataTable<SideRow>
          title="Before and after adopting the platform"
          subheader="Each team's delivery before and after its first golden-path run or platform request, inside the range; n is the days on each side"
          filename={csvName(filters, 'impact', 'before-after')}
          rows={sides}
          rowKey={r => `${r.team.team}/${r.when}`}
          isFolded={r => Boolean(r.team.folded)}
          emptyText="No team delivered in this range."
          columns={[
            { title: 'Team', value: r => teamLabel(r.team) },
            {
              title: 'Adopted',
              value: r => r.team.adoptedAt,
              render: r =>
                r.team.adoptedAt
                  ? `${r.team.adoptedAt.slice(0, 10)} (${
                      r.team.adoptedBy === 'golden-path'
                        ? 'golden path'
                        : 'platform resource'
                    })`
                  : 'Not yet',
            },
            { title: 'Side', value: r => r.when },
            ...sideColumns<SideRow>('', r => r.side, 'n (days)'),
          ]}
        />
      </Grid>
    </Grid>
  );
};

const onboardingColumns = <T extends OnboardingFigures>(
  nth: number,
): Column<T>[] => [
  {
    title: 'New users',
    value: r => r.newUsers,
    align: 'right',
    render: r => formatCount(r.newUsers),
  },
  {
    title: 'With a first change',
    value: r => r.withFirstChange,
    align: 'right',
    render: r => formatCount(r.withFirstChange),
  },
  {
    title: 'Days to first change (median)',
    value: r => r.medianDaysToFirstChange,
    align: 'right',
    render: r => days(r.medianDaysToFirstChange),
  },
  {
    title: `With ${nth} changes`,
    value: r => r.withNthChange,
    align: 'right',
    render: r => formatCount(r.withNthChange),
  },
  {
    title: `Days to change ${nth} (median)`,
    value: r => r.medianDaysToNthChange,
    align: 'right',
    render: r => days(r.medianDaysToNthChange),
  },
];

/** New users' time to their first and Nth merged change, by start month and team. */
export const OnboardingSection = (props: { filters: DevexFilters }) => {
  const { filters } = props;
  const report = useReport('onboarding', filters);
  if (report.loading && !report.value) {
    return (
      <Skeleton
        variant="rounded"
        height={200}
        aria-label="Loading onboarding"
      />
    );
  }
  if (report.error) {
    return (
      <ReportError
        error={report.error}
        title="Could not load the onboarding figures"
      />
    );
  }
  const onboarding: OnboardingReport | undefined = report.value;
  if (!onboarding) return null;
  const { totals, nthChange } = onboarding;
  type Month = OnboardingReport['byMonth'][number];
  type Team = OnboardingReport['byTeam'][number];
  return (
    <Grid container spacing={2}>
      <Grid item xs={12} md={4}>
        <StatTile
          label="New users"
          value={formatCount(totals.newUsers)}
          detail={`${formatCount(
            onboarding.startDates.annotation,
          )} start dates from the catalog, ${formatCount(
            onboarding.startDates.firstSeen,
          )} first seen`}
        />
      </Grid>
      <Grid item xs={12} md={4}>
        <StatTile
          label="Days to first change"
          value={days(totals.medianDaysToFirstChange)}
          detail={`median; ${formatCount(
            totals.withFirstChange,
          )} of ${formatCount(totals.newUsers)} have merged one`}
        />
      </Grid>
      <Grid item xs={12} md={4}>
        <StatTile
          label={`Days to change ${nthChange}`}
          value={days(totals.medianDaysToNthChange)}
          detail={`median; ${formatCount(
            totals.withNthChange,
          )} have merged ${nthChange}`}
        />
      </Grid>
      <Grid item xs={12} lg={6}>
        <DataTable<Month>
          title="Onboarding cohorts by start month"
          subheader="Cohorts smaller than the privacy minimum show their size only"
          filename={csvName(filters, 'onboarding', 'by-month')}
          rows={onboarding.byMonth}
          rowKey={r => r.month}
          isFolded={r => Boolean(r.folded)}
          emptyText="Nobody started in this range."
          columns={[
            { title: 'Start month', value: r => r.month.slice(0, 7) },
            ...onboardingColumns<Month>(nthChange),
          ]}
        />
      </Grid>
      <Grid item xs={12} lg={6}>
        <DataTable<Team>
          title="Onboarding by team"
          filename={csvName(filters, 'onboarding', 'by-team')}
          rows={onboarding.byTeam}
          rowKey={r => r.team}
          isFolded={r => Boolean(r.folded)}
          emptyText="Nobody started in this range."
          columns={[
            { title: 'Team', value: r => teamLabel(r) },
            ...onboardingColumns<Team>(nthChange),
          ]}
        />
      </Grid>
    </Grid>
  );
};
