import { DevexRangeQuery } from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { ALL } from '../rollups/contributions';
import { addToHistogram, Histogram } from '../rollups/histogram';

export interface Total {
  count: number;
  sum: number;
}

/** metric → dim value → total, for one dimension. */
export type Totals = Map<string, Map<string, Total>>;

/**
 * Reads the rollup tables, never the facts. Every question is one grouped
 * query over a range of days for a set of team scopes (`*` for everyone).
 */
export class RollupReader {
  constructor(private readonly db: Knex) {}

  /** The team scope a query reads: one team, or everyone. */
  scope(query: DevexRangeQuery): string[] {
    return [query.team ?? ALL];
  }

  /** Counts and sums of `metrics` in the range, by value of `dim`. */
  async totals(
    metrics: string[],
    teams: string[],
    range: DevexRangeQuery,
    dim: string,
  ): Promise<Totals> {
    const rows: {
      metric: string;
      dim_value: string;
      count: unknown;
      sum: unknown;
    }[] = await this.db('devex_rollup_daily')
      .whereIn('metric', metrics)
      .whereIn('team', teams)
      .where('dim', dim)
      .whereBetween('day', [range.from, range.to])
      .groupBy('metric', 'dim_value')
      .select('metric', 'dim_value')
      .sum({ count: 'count', sum: 'sum' });
    const totals: Totals = new Map();
    for (const row of rows) {
      const byValue = totals.get(row.metric) ?? new Map();
      byValue.set(row.dim_value, {
        count: Number(row.count),
        sum: Number(row.sum),
      });
      totals.set(row.metric, byValue);
    }
    return totals;
  }

  /**
   * Per-team counts and sums of the listed teams, dimension `all`. A list,
   * not `team <> '*'`, so that the read is an index range.
   */
  async totalsByTeam(
    metrics: string[],
    teams: string[],
    range: DevexRangeQuery,
  ): Promise<Totals> {
    const rows: {
      metric: string;
      team: string;
      count: unknown;
      sum: unknown;
    }[] = await this.db('devex_rollup_daily')
      .whereIn('metric', metrics)
      .whereIn('team', teams)
      .where('dim', 'all')
      .whereBetween('day', [range.from, range.to])
      .groupBy('metric', 'team')
      .select('metric', 'team')
      .sum({ count: 'count', sum: 'sum' });
    const totals: Totals = new Map();
    for (const row of rows) {
      const byTeam = totals.get(row.metric) ?? new Map();
      byTeam.set(row.team, { count: Number(row.count), sum: Number(row.sum) });
      totals.set(row.metric, byTeam);
    }
    return totals;
  }

  /** Daily counts of `metrics` (dimension `all`): day → metric → count. */
  async series(
    metrics: string[],
    teams: string[],
    range: DevexRangeQuery,
  ): Promise<Map<string, Map<string, number>>> {
    const rows: { day: string; metric: string; count: unknown }[] =
      await this.db('devex_rollup_daily')
        .whereIn('metric', metrics)
        .whereIn('team', teams)
        .where('dim', 'all')
        .whereBetween('day', [range.from, range.to])
        .groupBy('day', 'metric')
        .select('day', 'metric')
        .sum({ count: 'count' });
    const series = new Map<string, Map<string, number>>();
    for (const row of rows) {
      const byMetric = series.get(row.day) ?? new Map();
      byMetric.set(row.metric, Number(row.count));
      series.set(row.day, byMetric);
    }
    return series;
  }

  /** Merged histograms of `metric` in the range, by value of `dim`. */
  async histograms(
    metric: string,
    teams: string[],
    range: DevexRangeQuery,
    dim: string,
  ): Promise<Map<string, Histogram>> {
    const rows: { dim_value: string; bucket: unknown; count: unknown }[] =
      await this.db('devex_rollup_histogram')
        .where('metric', metric)
        .whereIn('team', teams)
        .where('dim', dim)
        .whereBetween('day', [range.from, range.to])
        .groupBy('dim_value', 'bucket')
        .select('dim_value', 'bucket')
        .sum({ count: 'count' });
    const result = new Map<string, Histogram>();
    for (const row of rows) {
      const histogram = result.get(row.dim_value) ?? new Map();
      addToHistogram(histogram, Number(row.bucket), Number(row.count));
      result.set(row.dim_value, histogram);
    }
    return result;
  }

  /** Merged histograms of `metric` per listed team, dimension `all`. */
  async histogramsByTeam(
    metric: string,
    teams: string[],
    range: DevexRangeQuery,
  ): Promise<Map<string, Histogram>> {
    const rows: { team: string; bucket: unknown; count: unknown }[] =
      await this.db('devex_rollup_histogram')
        .where('metric', metric)
        .whereIn('team', teams)
        .where('dim', 'all')
        .whereBetween('day', [range.from, range.to])
        .groupBy('team', 'bucket')
        .select('team', 'bucket')
        .sum({ count: 'count' });
    const result = new Map<string, Histogram>();
    for (const row of rows) {
      const histogram = result.get(row.team) ?? new Map();
      addToHistogram(histogram, Number(row.bucket), Number(row.count));
      result.set(row.team, histogram);
    }
    return result;
  }
}
