import { DevexRangeQuery } from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { PERIOD_TABLE } from '../database/PeriodRollups';
import { ALL } from '../rollups/contributions';
import {
  addDays,
  daysBetween,
  monthOf,
  quarterOf,
  weekOf,
} from '../rollups/days';
import { addToHistogram, Histogram } from '../rollups/histogram';
import {
  coverRange,
  DayRange,
  nextMonth,
  nextQuarter,
  RangeCover,
} from './rangeCover';

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
  /**
   * Today's day in the reporting calendar. Only used to guess which cover of
   * a range reads fewer rows (days after today have none); never changes an
   * answer.
   */
  today?: () => string;
}

/** A range's pieces whose rows are added (1) or subtracted (-1). */
export interface SignedPiece {
  sign: 1 | -1;
  cover: RangeCover;
}

/**
 * The rows a cover is guessed to read per key, in units of one period row: a
 * quarter, month or week is one row per key; a day about half of one (a
 * key's values do not all occur every day). Days after `today` have no rows.
 */
const DAY_COST = 0.5;

function coverCost(cover: RangeCover, today: string | undefined): number {
  const live = (start: string) => today === undefined || start <= today;
  let cost =
    cover.quarters.filter(live).length +
    cover.months.filter(live).length +
    cover.weeks.filter(live).length;
  for (const days of cover.days) {
    const to = today !== undefined && today < days.to ? today : days.to;
    if (days.from <= to) cost += DAY_COST * (daysBetween(days.from, to) + 1);
  }
  return cost;
}

/** The cheaper of a range's tiling and one run of days. */
function complementCover(range: DayRange, today: string | undefined) {
  const tiled = coverRange(range, { quarters: true });
  const run: RangeCover = {
    quarters: [],
    months: [],
    weeks: [],
    days: [range],
  };
  const tiledCost = coverCost(tiled, today);
  const runCost = coverCost(run, today);
  return runCost <= tiledCost
    ? { cover: run, cost: runCost }
    : { cover: tiled, cost: tiledCost };
}

/**
 * A cover of `range` that may read whole periods reaching past its edges and
 * subtract the days outside it: for a year from a Wednesday in December to
 * today's Wednesday, the whole of December minus its first two days plus
 * four quarters (the last one minus the days after today, which have no
 * rows), instead of three quarters, two months, three weeks and ten days.
 * Of the starts (the range's, its week's, month's and quarter's) and ends
 * alike, the pair with the fewest rows by `coverCost` wins; the plain tiling
 * on a tie. Every day of the range is counted once net and every day outside
 * it zero times, so for counts (exact integers) the sum over the signed
 * pieces is the sum over the days. Not for float sums, whose rounding a
 * subtraction could change.
 */
export function signedCover(range: DayRange, today?: string): SignedPiece[] {
  const starts = [
    range.from,
    weekOf(range.from),
    monthOf(range.from),
    quarterOf(range.from),
  ];
  const ends = [
    range.to,
    addDays(weekOf(range.to), 6),
    addDays(nextMonth(monthOf(range.to)), -1),
    addDays(nextQuarter(quarterOf(range.to)), -1),
  ];
  let best: { pieces: SignedPiece[]; cost: number } | undefined;
  for (const from of starts) {
    for (const to of ends) {
      const cover = coverRange({ from, to }, { quarters: true });
      const pieces: SignedPiece[] = [{ sign: 1, cover }];
      let cost = coverCost(cover, today);
      for (const outside of [
        { from, to: addDays(range.from, -1) },
        { from: addDays(range.to, 1), to },
      ]) {
        if (outside.from > outside.to) continue;
        const complement = complementCover(outside, today);
        pieces.push({ sign: -1, cover: complement.cover });
        cost += complement.cost;
      }
      if (!best || cost < best.cost) best = { pieces, cost };
    }
  }
  return best!.pieces;
}

/**
 * Reads the rollup tables, never the facts. Every question is one grouped
 * query over a range of days for a set of team scopes (`*` for everyone):
 * the whole calendar quarters of the range come from the quarterly rows, the
 * whole months of what is left from the monthly rows, then the whole ISO
 * weeks from the weekly rows, and only the days at the edges from the daily
 * rows, so that the answer is the same as summing
 * every day. Histograms (integer counts) may also read whole periods past
 * the range's edges and subtract the days outside it (`signedCover`).
 */
export class RollupReader {
  private readonly periods: boolean;

  private readonly today: () => string | undefined;

  constructor(private readonly db: Knex, options: RollupReaderOptions = {}) {
    this.periods = options.periods ?? true;
    this.today = options.today ?? (() => undefined);
  }

  /** The team scope a query reads: one team, or everyone. */
  scope(query: DevexRangeQuery): string[] {
    return [query.team ?? ALL];
  }

  /**
   * `SELECT group, SUM(sums) ... GROUP BY group` over the range, the rows of
   * `dayTable` and its week, month and quarter table, filtered by `filter`.
   * With `signed` (integer counts only), the pieces may reach past the range
   * and subtract what lies outside it (`signedCover`), and groups that net to
   * zero are left out, as they would be absent when adding the range's days.
   */
  private grouped(
    dayTable: keyof typeof PERIOD_TABLE,
    range: DevexRangeQuery,
    filter: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
    group: string[],
    sums: string[],
    signed = false,
  ): Knex.QueryBuilder {
    const none = { quarters: [], months: [], weeks: [] };
    let parts: SignedPiece[];
    if (!this.periods) {
      parts = [{ sign: 1, cover: { ...none, days: [range] } }];
    } else if (signed) {
      parts = signedCover(range, this.today());
    } else {
      parts = [{ sign: 1, cover: coverRange(range, { quarters: true }) }];
    }
    const pieces: Knex.QueryBuilder[] = [];
    for (const { sign, cover } of parts) {
      const columns = [
        ...group,
        ...sums.map(c =>
          sign === 1 ? c : this.db.raw('0 - ?? as ??', [c, c]),
        ),
      ];
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
    }
    const rows =
      pieces.length === 1 ? pieces[0] : pieces[0].unionAll(pieces.slice(1));
    const query = this.db
      .from(rows.as('r'))
      .groupBy(group)
      .select(group)
      .sum(Object.fromEntries(sums.map(c => [c, c])));
    return signed ? query.havingRaw('sum(??) <> 0', [sums[0]]) : query;
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
        true,
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
        true,
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
