/*
 * What the delivery figures are made of (counts and histograms per scope and
 * period), how aggregates add up, and the five figures with their tiers.
 */
import {
  DeliveryFigures,
  DeliveryTierThresholds,
} from '@trellis/backstage-plugin-devex-common';
import { BucketCounts } from '../../rollups/bucketCounts';
import { tierAtLeast, tierAtMost } from './tiers';

/** What the figures of one scope (or a sum of scopes) are made of. */
export interface DeliveryAgg {
  deployments: number;
  failed: number;
  byIncident: number;
  byRollback: number;
  rework: number;
  lead: BucketCounts;
  withoutFirstCommit: number;
  notDeployed: number;
  recovery: BucketCounts;
  open: number;
}

/**
 * `coarseLead`: the lead times merged by COARSE (±5 %), as per component and
 * team; fine (1 %) per week and in all.
 */
export function emptyAgg(coarseLead = false): DeliveryAgg {
  return {
    deployments: 0,
    failed: 0,
    byIncident: 0,
    byRollback: 0,
    rework: 0,
    lead: new BucketCounts(coarseLead),
    withoutFirstCommit: 0,
    notDeployed: 0,
    recovery: new BucketCounts(),
    open: 0,
  };
}

export function addAgg(into: DeliveryAgg, from: DeliveryAgg): DeliveryAgg {
  into.deployments += from.deployments;
  into.failed += from.failed;
  into.byIncident += from.byIncident;
  into.byRollback += from.byRollback;
  into.rework += from.rework;
  into.withoutFirstCommit += from.withoutFirstCommit;
  into.notDeployed += from.notDeployed;
  into.open += from.open;
  into.lead.addAll(from.lead);
  into.recovery.addAll(from.recovery);
  return into;
}

export function sumAggs(aggs: Iterable<DeliveryAgg>): DeliveryAgg {
  const total = emptyAgg();
  for (const a of aggs) addAgg(total, a);
  return total;
}

/** scope → period → aggregate; period '' holds the range-wide counts. */
export type ScopeAggs = Map<string, Map<string, DeliveryAgg>>;

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** The five figures with their tiers, over `days` days. */
export function deliveryFigures(
  agg: DeliveryAgg,
  days: number,
  tiers: DeliveryTierThresholds,
): DeliveryFigures {
  const perDay = days > 0 ? agg.deployments / days : 0;
  const [leadP50, leadP90] = agg.lead.percentiles([0.5, 0.9]);
  const [recoveryP50, recoveryP90] = agg.recovery.percentiles([0.5, 0.9]);
  const cfr = ratio(agg.failed, agg.deployments);
  const rework = ratio(agg.rework, agg.deployments);
  const leadCount = agg.lead.total;
  const recovered = agg.recovery.total;
  return {
    deploymentFrequency: {
      deployments: agg.deployments,
      perDay,
      perWeek: perDay * 7,
      tier: days > 0 ? tierAtLeast(perDay * 7, tiers.deploymentsPerWeek) : null,
    },
    leadTime: {
      changes: leadCount,
      p50Seconds: leadP50,
      p90Seconds: leadP90,
      tier: tierAtMost(
        leadP50 === null ? null : leadP50 / 3600,
        tiers.leadTimeHours,
      ),
      withoutFirstCommit: agg.withoutFirstCommit,
      notDeployed: agg.notDeployed,
    },
    changeFailureRate: {
      deployments: agg.deployments,
      failed: agg.failed,
      byIncident: agg.byIncident,
      byRollback: agg.byRollback,
      rate: cfr,
      tier: tierAtMost(cfr, tiers.changeFailureRate),
    },
    recoveryTime: {
      incidents: recovered,
      p50Seconds: recoveryP50,
      p90Seconds: recoveryP90,
      tier: tierAtMost(
        recoveryP50 === null ? null : recoveryP50 / 3600,
        tiers.recoveryTimeHours,
      ),
      open: agg.open,
    },
    reworkRate: {
      deployments: agg.deployments,
      rework: agg.rework,
      rate: rework,
      tier: tierAtMost(rework, tiers.reworkRate),
    },
  };
}
