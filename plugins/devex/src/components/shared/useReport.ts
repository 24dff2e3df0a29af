import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/core-plugin-api';
import { DevexMetric } from '@trellis/backstage-plugin-devex-common';
import { DevexMetricReports } from '@trellis/backstage-plugin-devex-common';
import { devexApiRef } from '../../api';
import { DevexFilters } from './useDevexFilters';

/** One metric's report for the current filters; nothing is asked for a range that cannot be. */
export function useReport<M extends DevexMetric>(
  metric: M,
  filters: DevexFilters,
) {
  const devexApi = useApi(devexApiRef);
  const { from, to, team, problem } = filters;
  return useAsyncRetry(async (): Promise<DevexMetricReports[M] | undefined> => {
    if (problem) return undefined;
    return devexApi.getMetric(metric, { from, to, team });
  }, [devexApi, metric, from, to, team, problem]);
}
