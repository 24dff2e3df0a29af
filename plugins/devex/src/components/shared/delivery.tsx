import Chip from '@mui/material/Chip';
import {
  DeliveryEvidenceKind,
  DeliveryFigures,
  DeliveryTier,
} from '@trellis/backstage-plugin-devex-common';
import { formatCount, formatPercent, formatSeconds } from './format';

const TIER_NAMES: Record<DeliveryTier, string> = {
  elite: 'Elite',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};
const TIER_COLORS: Record<
  DeliveryTier,
  'success' | 'info' | 'warning' | 'error'
> = {
  elite: 'success',
  high: 'info',
  medium: 'warning',
  low: 'error',
};

export function tierName(tier: DeliveryTier | null | undefined) {
  return tier ? TIER_NAMES[tier] : '—';
}

/** A figure's DORA tier as a coloured chip; nothing when it has none. */
export const TierChip = (props: { tier: DeliveryTier | null | undefined }) =>
  props.tier ? (
    <Chip
      size="small"
      variant="outlined"
      color={TIER_COLORS[props.tier]}
      label={TIER_NAMES[props.tier]}
      aria-label={`Tier: ${TIER_NAMES[props.tier]}`}
      // The tier's colour on the border; the text in the body colour, which
      // keeps WCAG AA contrast (the dark theme's light green / blue text on
      // the paper was 4.25:1).
      sx={{ color: 'text.primary' }}
    />
  ) : null;

/** Deployments a week: whole numbers from 10, else one decimal. */
export function formatPerWeek(perWeek: number | null | undefined) {
  if (perWeek === null || perWeek === undefined || !Number.isFinite(perWeek)) {
    return '—';
  }
  const shown = perWeek >= 10 ? Math.round(perWeek) : perWeek.toFixed(1);
  return `${shown} / week`;
}

/** One of the five delivery figures, as a tile or card line shows it. */
export interface DeliveryFigure {
  key:
    | 'deploymentFrequency'
    | 'leadTime'
    | 'changeFailureRate'
    | 'recoveryTime'
    | 'reworkRate';
  label: string;
  value: string;
  tier: DeliveryTier | null;
  /** What it counts, e.g. "p50 of 42 changes". */
  detail: string;
  /** The evidence list that backs it. */
  evidence: DeliveryEvidenceKind;
  /** The number of facts behind it, for the evidence link. */
  count: number;
}

/** The five DORA figures of a scope, in the report's order. */
export function deliveryFigures(f: DeliveryFigures): DeliveryFigure[] {
  const cfr = f.changeFailureRate;
  return [
    {
      key: 'deploymentFrequency',
      label: 'Deployment frequency',
      value: formatPerWeek(f.deploymentFrequency.perWeek),
      tier: f.deploymentFrequency.tier,
      detail: `${formatCount(
        f.deploymentFrequency.deployments,
      )} successful production deployments`,
      evidence: 'deployments',
      count: f.deploymentFrequency.deployments,
    },
    {
      key: 'leadTime',
      label: 'Lead time for changes',
      value: formatSeconds(f.leadTime.p50Seconds),
      tier: f.leadTime.tier,
      detail: `p50 of ${formatCount(
        f.leadTime.changes,
      )} changes; p90 ${formatSeconds(f.leadTime.p90Seconds)}${
        f.leadTime.notDeployed
          ? `; ${formatCount(
              f.leadTime.notDeployed,
            )} merged, not yet in production`
          : ''
      }`,
      evidence: 'changes',
      count: f.leadTime.changes + f.leadTime.notDeployed,
    },
    {
      key: 'changeFailureRate',
      label: 'Change failure rate',
      value: formatPercent(cfr.rate),
      tier: cfr.tier,
      detail: `${formatCount(cfr.failed)} of ${formatCount(
        cfr.deployments,
      )} deployments (${formatCount(cfr.byIncident)} incident, ${formatCount(
        cfr.byRollback,
      )} rollback)`,
      evidence: 'deployments',
      count: cfr.deployments,
    },
    {
      key: 'recoveryTime',
      label: 'Recovery time',
      value: formatSeconds(f.recoveryTime.p50Seconds),
      tier: f.recoveryTime.tier,
      detail: `p50 of ${formatCount(
        f.recoveryTime.incidents,
      )} resolved incidents; ${formatCount(f.recoveryTime.open)} open`,
      evidence: 'incidents',
      count: f.recoveryTime.incidents + f.recoveryTime.open,
    },
    {
      key: 'reworkRate',
      label: 'Rework rate',
      value: formatPercent(f.reworkRate.rate),
      tier: f.reworkRate.tier,
      detail: `${formatCount(f.reworkRate.rework)} of ${formatCount(
        f.reworkRate.deployments,
      )} deployments made during an incident`,
      evidence: 'deployments',
      count: f.reworkRate.deployments,
    },
  ];
}

/** Whether a scope has any delivery at all. */
export function hasDelivery(f: DeliveryFigures) {
  return (
    f.deploymentFrequency.deployments > 0 ||
    f.leadTime.changes + f.leadTime.notDeployed > 0 ||
    f.recoveryTime.incidents + f.recoveryTime.open > 0 ||
    f.changeFailureRate.deployments > 0
  );
}
