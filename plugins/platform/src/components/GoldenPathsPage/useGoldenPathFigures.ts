import { useMemo } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  DevexClient,
  GoldenPathsReport,
} from '@trellis/backstage-plugin-devex-common';

/** The range the golden paths tab counts runs over. */
export const GOLDEN_PATH_DAYS = 90;

function localDay(date: Date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(
    2,
    '0',
  )}-${String(date.getDate()).padStart(2, '0')}`;
}

/**
 * The golden-path figures of the last 90 days (the browser's days) from the
 * devex backend, which measures them from the scaffolder's task outcomes.
 * `notInstalled` when the app's backend has no devex plugin: then there are
 * no figures, not zeros.
 */
export function useGoldenPathFigures(): {
  loading: boolean;
  report?: GoldenPathsReport;
  notInstalled: boolean;
  error?: Error;
} {
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const client = useMemo(
    () => new DevexClient({ discoveryApi, fetchApi }),
    [discoveryApi, fetchApi],
  );
  const state = useAsync(async () => {
    const now = new Date();
    const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    start.setDate(start.getDate() - (GOLDEN_PATH_DAYS - 1));
    return client.getMetric('golden-paths', {
      from: localDay(start),
      to: localDay(now),
    });
  }, [client]);
  const notInstalled =
    state.error instanceof ResponseError && state.error.statusCode === 404;
  return {
    loading: state.loading,
    report: state.value,
    notInstalled,
    error: notInstalled ? undefined : state.error,
  };
}
