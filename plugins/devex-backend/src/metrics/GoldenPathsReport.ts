import {
  DevexRangeQuery,
  GoldenPathFailure,
  GoldenPathFigures,
  GoldenPathsReport,
} from '@trellis/backstage-plugin-devex-common';
import { GOLDEN_PATH_STATUSES, Metric } from '../rollups/contributions';
import { eachDay } from '../rollups/days';
import { Histogram, percentile } from '../rollups/histogram';
import { foldTeams, otherRow, TeamInfo, teamRow } from './privacy';
import { RollupReader, Total, Totals } from './RollupReader';

const RUN_METRICS = GOLDEN_PATH_STATUSES.map(Metric.goldenPathRuns);
const FIGURE_METRICS = [...RUN_METRICS, Metric.goldenPathTimeSaved];
const TOP_FAILURES = 10;
const TOP_FAILURES_PER_TEMPLATE = 5;

/** Golden-path figures from run counts per status and a duration histogram. */
export function goldenPathFigures(
  total: (metric: string) => Total | undefined,
  durations: Histogram | undefined,
): GoldenPathFigures {
  const count = (status: string) =>
    total(Metric.goldenPathRuns(status))?.count ?? 0;
  const completed = count('completed');
  const failed = count('failed');
  const cancelled = count('cancelled');
  const finished = completed + failed;
  return {
    runs: completed + failed + cancelled,
    completed,
    failed,
    cancelled,
    successRate: finished > 0 ? completed / finished : null,
    medianDurationSeconds: durations ? percentile(durations, 0.5) : null,
    p90DurationSeconds: durations ? percentile(durations, 0.9) : null,
    timeSavedSeconds: Math.round(total(Metric.goldenPathTimeSaved)?.sum ?? 0),
  };
}

function sumTotals(totals: Totals, metric: string, keys: string[]): Total {
  const result = { count: 0, sum: 0 };
  for (const key of keys) {
    const t = totals.get(metric)?.get(key);
    if (t) {
      result.count += t.count;
      result.sum += t.sum;
    }
  }
  return result;
}

function mergeHistograms(
  histograms: (Histogram | undefined)[],
): Histogram | undefined {
  const merged: Histogram = new Map();
  for (const h of histograms) {
    for (const [bucket, count] of h ?? [])
      merged.set(bucket, (merged.get(bucket) ?? 0) + count);
  }
  return merged.size ? merged : undefined;
}

/** The golden-paths tab: runs and outcomes per template and team. */
export async function goldenPathsReport(
  reader: RollupReader,
  query: DevexRangeQuery,
  teams: Map<string, TeamInfo>,
  minGroupSize: number,
): Promise<Omit<GoldenPathsReport, 'sources'>> {
  const scope = reader.scope(query);
  // One batch: the per-team reads (everyone's view only) go with the rest,
  // so that a pooled database answers them side by side.
  const teamRefs = [...teams.keys()];
  const [
    all,
    byTemplate,
    failures,
    series,
    durations,
    templateDurations,
    teamTotals,
    teamDurations,
  ] = await Promise.all([
    reader.totals(FIGURE_METRICS, scope, query, 'all'),
    reader.totals(FIGURE_METRICS, scope, query, 'template'),
    reader.totals([Metric.goldenPathFailure], scope, query, 'failure'),
    reader.series(RUN_METRICS, scope, query),
    reader.histograms(Metric.goldenPathDuration, scope, query, 'all'),
    reader.histograms(Metric.goldenPathDuration, scope, query, 'template'),
    query.team
      ? undefined
      : reader.totalsByTeam(FIGURE_METRICS, teamRefs, query),
    query.team
      ? undefined
      : reader.histogramsByTeam(Metric.goldenPathDuration, teamRefs, query),
  ]);

  const failureList: GoldenPathFailure[] = [
    ...(failures.get(Metric.goldenPathFailure) ?? new Map()),
  ]
    .map(([key, total]) => {
      const [templateRef, step, message] = JSON.parse(key) as string[];
      return { templateRef, step, message, count: total.count };
    })
    .filter(f => f.count > 0)
    .sort(
      (a, b) => b.count - a.count || a.templateRef.localeCompare(b.templateRef),
    );

  const templateRefs = new Set<string>();
  for (const byValue of byTemplate.values())
    for (const ref of byValue.keys()) templateRefs.add(ref);
  const templates = [...templateRefs]
    .map(templateRef => ({
      templateRef,
      ...goldenPathFigures(
        metric => byTemplate.get(metric)?.get(templateRef),
        templateDurations.get(templateRef),
      ),
      topFailures: failureList
        .filter(f => f.templateRef === templateRef)
        .slice(0, TOP_FAILURES_PER_TEMPLATE),
    }))
    .sort(
      (a, b) => b.runs - a.runs || a.templateRef.localeCompare(b.templateRef),
    );

  let byTeam: GoldenPathsReport['byTeam'] = [];
  if (query.team) {
    const info = teams.get(query.team) ?? { members: 0 };
    byTeam = [
      {
        ...teamRow(query.team, info),
        ...goldenPathFigures(m => all.get(m)?.get(''), durations.get('')),
      },
    ];
  } else if (teamTotals && teamDurations) {
    const { shown, folded } = foldTeams(teams, minGroupSize);
    byTeam = shown.map(([ref, info]) => ({
      ...teamRow(ref, info),
      ...goldenPathFigures(
        m => teamTotals.get(m)?.get(ref),
        teamDurations.get(ref),
      ),
    }));
    if (folded.length > 0) {
      byTeam.push({
        ...otherRow(folded),
        ...goldenPathFigures(
          m => sumTotals(teamTotals, m, folded),
          mergeHistograms(folded.map(t => teamDurations.get(t))),
        ),
      });
    }
  }

  return {
    query,
    totals: goldenPathFigures(m => all.get(m)?.get(''), durations.get('')),
    series: eachDay(query.from, query.to).map(date => {
      const day = series.get(date);
      return {
        date,
        completed: day?.get(Metric.goldenPathRuns('completed')) ?? 0,
        failed: day?.get(Metric.goldenPathRuns('failed')) ?? 0,
        cancelled: day?.get(Metric.goldenPathRuns('cancelled')) ?? 0,
      };
    }),
    templates,
    byTeam,
    topFailures: failureList.slice(0, TOP_FAILURES),
  };
}

export { sumTotals, mergeHistograms };
