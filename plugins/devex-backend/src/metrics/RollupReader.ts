import { DevexRangeQuery } from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { PERIOD_TABLE } from '../database/PeriodRollups';
import { ALL } from '../rollups/contributions';
import { addToHistogram, Histogram } from '../rollups/histogram';
import { coverRange } from './ActiveUsersReader';

export interface Total {
  count: number;
  sum: number;
}

/** metric → dim value → total, for one dimension. */
export type Totals = Map<string, Map<string, Total>>;

export interface RollupReaderOptions {
  /**
   * Whether whole weeks and months of a range are read from the period
   * tables (the default); false reads every day from the daily tables (the
   * reference the tests compare with).
   */
  periods?: boolean;
}

/**
 * Reads the rollup tables, never the facts. Every question is one grouped
 * query over a range of days for a set of team scopes (`*` for everyone):
 * the whole calendar quarters of the range come from the quarterly rows, the
 * whole months of what is left from the monthly rows, then the whole ISO
 * weeks from the weekly rows, and only the days at the edges from the daily
 * rows, so that the answer is the same as summing
 * every day.
 */
export class RollupReader {
  private readonly periods: boolean;

  constructor(private readonly db: Knex, options: RollupReaderOptions = {}) {
    this.periods = options.periods ?? true;
  }

  /** The team scope a query reads: one team, or everyone. */
  scope(query: DevexRangeQuery): string[] {
    return [query.team ?? ALL];
  }

  /**
   * `SELECT group, SUM(sums) ... GROUP BY group` over the range, the rows of
   * `dayTable` and its week and month table, filtered by `filter`.
   */
  private grouped(
    dayTable: keyof typeof PERIOD_TABLE,
    range: DevexRangeQuery,
    filter: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
    group: string[],
    sums: string[],
  ): Knex.QueryBuilder {
    const columns = [...group, ...sums];
    const pieces: Knex.QueryBuilder[] = [];
    const cover = this.periods
      ? coverRange(range, { quarters: true })
      : { quarters: [], months: [], weeks: [], days: [range] };
    for (const [period, starts] of [
      ['quarter', cover.quarters],
      ['month', cover.months],
      ['week', cover.weeks],
    ] as const) {
      if (starts.length === 0) continue;
      pieces.push(
        filter(
          this.db(PERIOD_TABLE[dayTable])
            .where('period', period)
            .whereIn('start', starts),
        ).select(columns),
      );
    }
    for (const days of cover.days) {
      pieces.push(
        filter(
          this.db(dayTable).whereBetween('day', [days.from, days.to]),
        ).select(columns),
      );
    }
    const rows =
      pieces.length === 1 ? pieces[0] : pieces[0].unionAll(pieces.slice(1));
    return this.db
      .from(rows.as('r'))
      .groupBy(group)
      .select(group)
      .sum(Object.fromEntries(sums.map(c => [c, c])));
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
    }[] = await this.grouped(
      'devex_rollup_daily',
      range,
      q =>
        q.whereIn('metric', metrics).whereIn('team', teams).where('dim', dim),
      ['metric', 'dim_value'],
      ['count', 'sum'],
    );
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
    }[] = await this.grouped(
      'devex_rollup_daily',
      range,
      q =>
        q.whereIn('metric', metrics).whereIn('team', teams).where('dim', 'all'),
      ['metric', 'team'],
      ['count', 'sum'],
    );
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
      await this.grouped(
        'devex_rollup_histogram',
        range,
        q => q.where('metric', metric).whereIn('team', teams).where('dim', dim),
        ['dim_value', 'bucket'],
        ['count'],
      );
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
      await this.grouped(
        'devex_rollup_histogram',
        range,
        q =>
          q.where('metric', metric).whereIn('team', teams).where('dim', 'all'),
        ['team', 'bucket'],
        ['count'],
      );
    const result = new Map<string, Histogram>();
    for (const row of rows) {
      const histogram = result.get(row.team) ?? new Map();
      addToHistogram(histogram, Number(row.bucket), Number(row.count));
      result.set(row.team, histogram);
    }
    return result;
  }
}
