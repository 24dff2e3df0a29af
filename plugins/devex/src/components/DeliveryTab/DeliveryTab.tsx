import { useRef, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Grid from '@mui/material/Grid';
import Typography from '@mui/material/Typography';
import {
  DeliveryEvidenceKind,
  DeliveryFigures,
  DeliveryReport,
} from '@trellis/backstage-plugin-devex-common';
import { ChartCard } from '../shared/ChartCard';
import { Column, DataTable } from '../shared/DataTable';
import {
  deliveryFigures,
  formatPerWeek,
  hasDelivery,
  TierChip,
  tierName,
} from '../shared/delivery';
import {
  formatCount,
  formatPercent,
  formatSeconds,
  shortEntityRef,
  teamLabel,
} from '../shared/format';
import { csvName, MetricView } from '../shared/MetricView';
import { DevexFilters } from '../shared/useDevexFilters';
import { IndexingNotice } from '../shared/ReportStates';
import { DeliveryEvidence } from './DeliveryEvidence';
import { ImpactSection, OnboardingSection } from './ImpactAndOnboarding';

const hours = (seconds: number | null) =>
  seconds === null ? null : Math.round((seconds / 3600) * 10) / 10;
const percent = (ratio: number | null) =>
  ratio === null ? null : Math.round(ratio * 1000) / 10;

/** The columns every delivery table shares: each figure with its tier. */
function figureColumns<T extends DeliveryFigures>(): Column<T>[] {
  const tiered = (value: string, tier: T['leadTime']['tier']) =>
    tier ? `${value} (${tierName(tier)})` : value;
  return [
    {
      title: 'Deployments / week',
      value: r => r.deploymentFrequency.perWeek,
      align: 'right',
      render: r =>
        tiered(
          formatPerWeek(r.deploymentFrequency.perWeek),
          r.deploymentFrequency.tier,
        ),
    },
    {
      title: 'Lead time p50 (s)',
      value: r => r.leadTime.p50Seconds,
      align: 'right',
      render: r =>
        tiered(formatSeconds(r.leadTime.p50Seconds), r.leadTime.tier),
    },
    {
      title: 'Change failure rate',
      value: r => r.changeFailureRate.rate,
      align: 'right',
      render: r =>
        tiered(
          formatPercent(r.changeFailureRate.rate),
          r.changeFailureRate.tier,
        ),
    },
    {
      title: 'Recovery p50 (s)',
      value: r => r.recoveryTime.p50Seconds,
      align: 'right',
      render: r =>
        tiered(formatSeconds(r.recoveryTime.p50Seconds), r.recoveryTime.tier),
    },
    {
      title: 'Rework rate',
      value: r => r.reworkRate.rate,
      align: 'right',
      render: r => tiered(formatPercent(r.reworkRate.rate), r.reworkRate.tier),
    },
  ];
}

/** One DORA figure: value, tier, what it stands on, and a way to its evidence. */
const FigureTile = (props: {
  figure: ReturnType<typeof deliveryFigures>[number];
  onEvidence: (kind: DeliveryEvidenceKind) => void;
}) => {
  const { figure } = props;
  return (
    <Card
      variant="outlined"
      component="section"
      aria-label={figure.label}
      sx={{ height: '100%' }}
    >
      <CardContent>
        <Typography variant="overline" component="p" color="text.secondary">
          {figure.label}
        </Typography>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Typography variant="h5" component="p" aria-label={figure.label}>
            {figure.value}
          </Typography>
          <TierChip tier={figure.tier} />
        </Box>
        <Typography variant="body2" color="text.secondary">
          {figure.detail}
        </Typography>
        {figure.count > 0 && (
          <Button
            size="small"
            sx={{ mt: 1, ml: -0.5 }}
            onClick={() => props.onEvidence(figure.evidence)}
            aria-label={`Show the ${figure.evidence} behind ${figure.label}`}
          >
            Show the {figure.evidence}
          </Button>
        )}
      </CardContent>
    </Card>
  );
};

const DeliveryFiguresView = (props: {
  report: DeliveryReport;
  filters: DevexFilters;
}) => {
  const { report, filters } = props;
  const [evidence, setEvidence] = useState<{
    kind: DeliveryEvidenceKind;
    component?: string;
  }>({ kind: 'deployments' });
  const evidenceRef = useRef<HTMLDivElement>(null);
  const showEvidence = (kind: DeliveryEvidenceKind, component?: string) => {
    setEvidence({ kind, component });
    evidenceRef.current?.scrollIntoView?.({ behavior: 'smooth' });
  };
  const weeks = report.series.map(p => p.week);
  type ComponentRow = DeliveryReport['components'][number];
  type TeamRow = DeliveryReport['byTeam'][number];

  return (
    <>
      <IndexingNotice indexing={report.indexing} />
      <Grid container spacing={2} sx={{ mb: 1 }}>
        {deliveryFigures(report.totals).map(figure => (
          <Grid item xs={12} sm={6} lg key={figure.key}>
            <FigureTile figure={figure} onEvidence={k => showEvidence(k)} />
          </Grid>
        ))}
      </Grid>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        Production: {report.productionEnvironments.join(', ')}. Tiers:{' '}
        {report.tiers.source}.
      </Typography>
      <Grid container spacing={2}>
        <Grid item xs={12} lg={6}>
          <ChartCard
            title="Production deployments"
            subheader="Successful production deployments per week, those followed by a failure, and rework during incidents"
            filename={csvName(filters, 'delivery', 'deployments-per-week')}
            kind="bar"
            dates={weeks}
            series={[
              {
                label: 'Deployments',
                data: report.series.map(p => p.deployments),
                color: 'primary',
              },
              {
                label: 'Failed',
                data: report.series.map(p => p.failed),
                color: 'error',
              },
              {
                label: 'Rework',
                data: report.series.map(p => p.rework),
                color: 'warning',
              },
            ]}
          />
        </Grid>
        <Grid item xs={12} lg={6}>
          <ChartCard
            title="Lead time and recovery"
            subheader="p50 per week, in hours: first commit to production, incident opened to resolved"
            filename={csvName(filters, 'delivery', 'lead-time-recovery')}
            kind="line"
            dates={weeks}
            valueFormatter={v => (v === null ? '—' : `${v} h`)}
            series={[
              {
                label: 'Lead time p50 (h)',
                data: report.series.map(p => hours(p.leadTimeP50Seconds)),
                color: 'primary',
              },
              {
                label: 'Recovery p50 (h)',
                data: report.series.map(p => hours(p.recoveryP50Seconds)),
                color: 'secondary',
              },
            ]}
          />
        </Grid>
        <Grid item xs={12}>
          <ChartCard
            title="Change failure and rework rate"
            subheader="Per week, in percent of production deployments"
            filename={csvName(filters, 'delivery', 'failure-rework-rate')}
            kind="line"
            dates={weeks}
            valueFormatter={v => (v === null ? '—' : `${v}%`)}
            series={[
              {
                label: 'Change failure rate (%)',
                data: report.series.map(p => percent(p.changeFailureRate)),
                color: 'error',
              },
              {
                label: 'Rework rate (%)',
                data: report.series.map(p => percent(p.reworkRate)),
                color: 'warning',
              },
            ]}
          />
        </Grid>
        <Grid item xs={12}>
          <DataTable<ComponentRow>
            title="By component"
            filename={csvName(filters, 'delivery', 'by-component')}
            rows={report.components}
            rowKey={r => r.component}
            emptyText="No component delivered in this range."
            columns={[
              {
                title: 'Component',
                value: r => r.component,
                render: r => r.title ?? shortEntityRef(r.component),
              },
              {
                title: 'Team',
                value: r => r.team,
                render: r => shortEntityRef(r.team),
              },
              {
                title: 'Golden path',
                value: r => r.goldenPath,
                render: r => (r.goldenPath ? 'Yes' : 'No'),
              },
              ...figureColumns<ComponentRow>(),
              {
                title: 'Evidence',
                value: () => undefined,
                render: r => (
                  <Button
                    size="small"
                    onClick={() => showEvidence('deployments', r.component)}
                    aria-label={`Show the deployments of ${shortEntityRef(
                      r.component,
                    )}`}
                  >
                    Deployments
                  </Button>
                ),
              },
            ]}
          />
        </Grid>
        {report.byTeam.length > 0 && (
          <Grid item xs={12}>
            <DataTable<TeamRow>
              title="By team"
              subheader="Teams own their components' delivery; small teams are folded into Other"
              filename={csvName(filters, 'delivery', 'by-team')}
              rows={report.byTeam}
              rowKey={r => r.team}
              isFolded={r => Boolean(r.folded)}
              emptyText="No team delivered in this range."
              columns={[
                { title: 'Team', value: r => teamLabel(r) },
                {
                  title: 'Components',
                  value: r => r.components,
                  align: 'right',
                  render: r => formatCount(r.components),
                },
                ...figureColumns<TeamRow>(),
              ]}
            />
          </Grid>
        )}
        <Grid item xs={12}>
          <DeliveryEvidence
            ref={evidenceRef}
            filters={filters}
            kind={evidence.kind}
            component={evidence.component}
            onChange={(kind, component) => setEvidence({ kind, component })}
          />
        </Grid>
        <Grid item xs={12}>
          <Typography variant="h6" component="h2" sx={{ mt: 2 }}>
            Platform impact
          </Typography>
        </Grid>
        <Grid item xs={12}>
          <ImpactSection filters={filters} />
        </Grid>
        <Grid item xs={12}>
          <Typography variant="h6" component="h2" sx={{ mt: 2 }}>
            Onboarding
          </Typography>
        </Grid>
        <Grid item xs={12}>
          <OnboardingSection filters={filters} />
        </Grid>
      </Grid>
    </>
  );
};

/**
 * Delivery (DORA) from SCM, CI and incident events: the five figures with
 * their tiers, their weekly course, per component and team, the evidence
 * behind them, the platform comparison and onboarding.
 */
export const DeliveryTab = () => (
  <MetricView
    metric="delivery"
    label="Delivery"
    what="deployments or merged changes"
    // While the index is still reading, zeros are not "nothing delivered".
    isEmpty={report => !report.indexing && !hasDelivery(report.totals)}
  >
    {(report, filters) => (
      <DeliveryFiguresView report={report} filters={filters} />
    )}
  </MetricView>
);
