import { Config } from '@backstage/config';
import {
  DeliveryTier,
  DeliveryTierThresholds,
} from '@trellis/backstage-plugin-devex-common';

type Bounds = { elite: number; high: number; medium: number };

/**
 * The 2024 Accelerate State of DevOps report (DORA, Google Cloud), software
 * delivery performance clusters:
 *
 * | cluster | deployment frequency               | lead time            | change fail rate | recovery time          |
 * | elite   | on demand (several a day)          | < 1 day              | 5 %              | < 1 hour               |
 * | high    | between once a day and once a week | 1 day – 1 week       | 20 %             | < 1 day                |
 * | medium  | between once a week and once a month | 1 week – 1 month   | 10 %             | < 1 day                |
 * | low     | between once a month and once every six months | 1 – 6 months | 40 %      | 1 week – 1 month       |
 *
 * As thresholds: frequency in deployments a week (at least 7, 1, 12/52);
 * lead time and recovery as upper bounds in hours. The change-fail-rate
 * clusters are not monotone (high 20 % > medium 10 %), and a rate must never
 * rank better than a lower one, so the ordered values 5 %, 10 %, 20 % are
 * the upper bounds of elite, high and medium. Recovery: high and medium
 * share "< 1 day", so medium reaches the low cluster's lower bound (1 week).
 * The report has no rework-rate clusters: no default.
 */
export const DORA_2024: DeliveryTierThresholds = {
  source: 'DORA, Accelerate State of DevOps Report 2024 (performance clusters)',
  deploymentsPerWeek: { elite: 7, high: 1, medium: 12 / 52 },
  leadTimeHours: { elite: 24, high: 24 * 7, medium: 24 * 30 },
  changeFailureRate: { elite: 0.05, high: 0.1, medium: 0.2 },
  recoveryTimeHours: { elite: 1, high: 24, medium: 24 * 7 },
  reworkRate: null,
};

function bounds(
  config: Config | undefined,
  key: string,
  defaults: Bounds | null,
  direction: 'min' | 'max',
): Bounds | null {
  const c = config?.getOptionalConfig(key);
  if (!c) return defaults;
  const value = (tier: keyof Bounds) => {
    const v = c.getOptionalNumber(tier) ?? defaults?.[tier];
    if (v === undefined || !Number.isFinite(v) || v < 0) {
      throw new Error(
        `devex.delivery.tiers.${key}.${tier} must be a number of at least 0`,
      );
    }
    return v;
  };
  const b = {
    elite: value('elite'),
    high: value('high'),
    medium: value('medium'),
  };
  const ordered =
    direction === 'max'
      ? b.elite <= b.high && b.high <= b.medium
      : b.elite >= b.high && b.high >= b.medium;
  if (!ordered) {
    throw new Error(
      `devex.delivery.tiers.${key}: elite, high and medium must be ${
        direction === 'max' ? 'increasing' : 'decreasing'
      }`,
    );
  }
  return b;
}

/** The tier thresholds from `devex.delivery.tiers`, over the DORA 2024 defaults. */
export function readTiers(config?: Config): DeliveryTierThresholds {
  const tiers = config?.getOptionalConfig('devex.delivery.tiers');
  return {
    source: tiers?.getOptionalString('source') ?? DORA_2024.source,
    deploymentsPerWeek: bounds(
      tiers,
      'deploymentsPerWeek',
      DORA_2024.deploymentsPerWeek,
      'min',
    )!,
    leadTimeHours: bounds(
      tiers,
      'leadTimeHours',
      DORA_2024.leadTimeHours,
      'max',
    )!,
    changeFailureRate: bounds(
      tiers,
      'changeFailureRate',
      DORA_2024.changeFailureRate,
      'max',
    )!,
    recoveryTimeHours: bounds(
      tiers,
      'recoveryTimeHours',
      DORA_2024.recoveryTimeHours,
      'max',
    )!,
    reworkRate: bounds(tiers, 'reworkRate', null, 'max'),
  };
}

/** The tier of a value under upper bounds (lower is better). */
export function tierAtMost(
  value: number | null,
  b: Bounds | null,
): DeliveryTier | null {
  if (value === null || !b) return null;
  if (value <= b.elite) return 'elite';
  if (value <= b.high) return 'high';
  if (value <= b.medium) return 'medium';
  return 'low';
}

/** The tier of a value under lower bounds (higher is better). */
export function tierAtLeast(
  value: number | null,
  b: Bounds | null,
): DeliveryTier | null {
  if (value === null || !b) return null;
  if (value >= b.elite) return 'elite';
  if (value >= b.high) return 'high';
  if (value >= b.medium) return 'medium';
  return 'low';
}
