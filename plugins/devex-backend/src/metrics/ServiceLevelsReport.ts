import {
  DevexRangeQuery,
  ServiceLevelFigures,
  ServiceLevelsReport,
} from '@trellis/backstage-plugin-devex-common';
import { Metric } from '../rollups/contributions';
import { eachDay } from '../rollups/days';
import { Histogram, percentile } from '../rollups/histogram';
import { RollupReader, Total } from './RollupReader';

const COUNT_METRICS = [
  Metric.platformRequested,
  Metric.platformReady,
  Metric.platformFailed,
];
const ROLLOUT_METRICS = [
  Metric.platformRollouts('completed'),
  Metric.platformRollouts('failed'),
];
const TOP_FAILURES = 10;

export function serviceLevelFigures(
  total: (metric: string) => Total | undefined,
  timeToReady: Histogram | undefined,
  pickupWait: Histogram | undefined,
): ServiceLevelFigures {
  const requests = total(Metric.platformRequested)?.count ?? 0;
  const ready = total(Metric.platformReady)?.count ?? 0;
  const failed = total(Metric.platformFailed)?.count ?? 0;
  return {
    requests,
    ready,
    failed,
    failureRate: ready + failed > 0 ? failed / (ready + failed) : null,
    timeToReadyP50Seconds: timeToReady ? percentile(timeToReady, 0.5) : null,
    timeToReadyP95Seconds: timeToReady ? percentile(timeToReady, 0.95) : null,
    pickupWaitP50Seconds: pickupWait ? percentile(pickupWait, 0.5) : null,
    pickupWaitP95Seconds: pickupWait ? percentile(pickupWait, 0.95) : null,
  };
}

/** The engine of a capability ref `<engine>:<name>`. */
function engineOf(capabilityRef: string): string {
  const colon = capabilityRef.indexOf(':');
  return colon > 0 ? capabilityRef.slice(0, colon) : 'unknown';
}

/** The platform tab: the platform's own service levels, per capability. */
export async function serviceLevelsReport(
  reader: RollupReader,
  query: DevexRangeQuery,
): Promise<Omit<ServiceLevelsReport, 'sources'>> {
  const scope = reader.scope(query);
  const [
    all,
    byCapability,
    failures,
    series,
    ready,
    pickup,
    readyBy,
    pickupBy,
  ] = await Promise.all([
    reader.totals([...COUNT_METRICS, ...ROLLOUT_METRICS], scope, query, 'all'),
    reader.totals(COUNT_METRICS, scope, query, 'capability'),
    reader.totals([Metric.platformFailure], scope, query, 'failure'),
    reader.series(COUNT_METRICS, scope, query),
    reader.histograms(Metric.platformTimeToReady, scope, query, 'all'),
    reader.histograms(Metric.platformPickupWait, scope, query, 'all'),
    reader.histograms(Metric.platformTimeToReady, scope, query, 'capability'),
    reader.histograms(Metric.platformPickupWait, scope, query, 'capability'),
  ]);
  const capabilityRefs = new Set<string>([
    ...readyBy.keys(),
    ...pickupBy.keys(),
  ]);
  for (const byValue of byCapability.values()) {
    for (const ref of byValue.keys()) capabilityRefs.add(ref);
  }
  const capabilities = [...capabilityRefs]
    .map(capabilityRef => ({
      capabilityRef,
      engine: engineOf(capabilityRef),
      ...serviceLevelFigures(
        m => byCapability.get(m)?.get(capabilityRef),
        readyBy.get(capabilityRef),
        pickupBy.get(capabilityRef),
      ),
    }))
    .sort(
      (a, b) =>
        b.requests - a.requests ||
        a.capabilityRef.localeCompare(b.capabilityRef),
    );
  const topFailures = [...(failures.get(Metric.platformFailure) ?? new Map())]
    .map(([key, total]) => {
      const [capabilityRef, message] = JSON.parse(key) as string[];
      return { capabilityRef, message, count: total.count };
    })
    .filter(f => f.count > 0)
    .sort(
      (a, b) =>
        b.count - a.count || a.capabilityRef.localeCompare(b.capabilityRef),
    )
    .slice(0, TOP_FAILURES);
  return {
    query,
    totals: {
      ...serviceLevelFigures(
        m => all.get(m)?.get(''),
        ready.get(''),
        pickup.get(''),
      ),
      rolloutsCompleted:
        all.get(Metric.platformRollouts('completed'))?.get('')?.count ?? 0,
      rolloutsFailed:
        all.get(Metric.platformRollouts('failed'))?.get('')?.count ?? 0,
    },
    series: eachDay(query.from, query.to).map(date => {
      const day = series.get(date);
      return {
        date,
        requests: day?.get(Metric.platformRequested) ?? 0,
        ready: day?.get(Metric.platformReady) ?? 0,
        failed: day?.get(Metric.platformFailed) ?? 0,
      };
    }),
    capabilities,
    topFailures,
  };
}
