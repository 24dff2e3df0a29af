import { Config } from '@backstage/config';
import { DeliveryTierThresholds } from '@trellis/backstage-plugin-devex-common';
import { readTiers } from './tiers';

export interface DeliveryConfig {
  productionEnvironments: string[];
  failureWindowHours: number;
  nthChange: number;
  tiers: DeliveryTierThresholds;
  catchUpBudgetMs: number;
}

/** `devex.delivery.*` and `devex.onboarding.*`, checked at startup. */
export function readDeliveryOptions(config: Config): DeliveryConfig {
  const failureWindowHours =
    config.getOptionalNumber('devex.delivery.failureWindowHours') ?? 24;
  if (!(failureWindowHours > 0)) {
    throw new Error('devex.delivery.failureWindowHours must be more than 0');
  }
  const nthChange =
    config.getOptionalNumber('devex.onboarding.nthChange') ?? 10;
  if (!Number.isInteger(nthChange) || nthChange < 1) {
    throw new Error(
      'devex.onboarding.nthChange must be a whole number of at least 1',
    );
  }
  const catchUpBudgetMs =
    config.getOptionalNumber('devex.delivery.catchUpBudgetMs') ?? 2000;
  if (!(catchUpBudgetMs >= 0)) {
    throw new Error('devex.delivery.catchUpBudgetMs must be 0 or more');
  }
  return {
    catchUpBudgetMs,
    productionEnvironments: config.getOptionalStringArray(
      'devex.delivery.productionEnvironments',
    ) ?? ['production', 'prod'],
    failureWindowHours,
    nthChange,
    tiers: readTiers(config),
  };
}
