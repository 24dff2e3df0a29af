import { ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import {
  DevexMetric,
  DevexMetricReports,
} from '@trellis/backstage-plugin-devex-common';
import { FiltersBar } from './FiltersBar';
import { ReportEmpty, ReportError, ReportSkeleton } from './ReportStates';
import { useReport } from './useReport';
import { DevexFilters, useDevexFilters } from './useDevexFilters';
import { shortEntityRef } from './format';

/** The name stem of a view's CSV files: metric, table, team, range. */
export function csvName(filters: DevexFilters, metric: string, table: string) {
  const team = filters.team
    ? `-${shortEntityRef(filters.team).replace(/[^A-Za-z0-9_-]+/g, '_')}`
    : '';
  return `devex-${metric}-${table}${team}-${filters.from}-${filters.to}`;
}

/**
 * A DevEx tab: the shared filters, then the report for them, with designed
 * loading, error and empty states.
 */
export function MetricView<M extends DevexMetric>(props: {
  metric: M;
  label: string;
  /** What the view counts, for the empty state ("golden-path runs"). */
  what: string;
  isEmpty: (report: DevexMetricReports[M]) => boolean;
  children: (report: DevexMetricReports[M], filters: DevexFilters) => ReactNode;
}) {
  const [filters, setFilters] = useDevexFilters();
  const report = useReport(props.metric, filters);

  let body: ReactNode;
  if (filters.problem) {
    body = <Alert severity="warning">{filters.problem}</Alert>;
  } else if (report.loading && !report.value) {
    body = <ReportSkeleton />;
  } else if (report.error) {
    body = (
      <ReportError
        error={report.error}
        title={`Could not load the ${props.label.toLowerCase()} figures`}
      />
    );
  } else if (report.value) {
    body = props.isEmpty(report.value) ? (
      <ReportEmpty
        what={props.what}
        sources={report.value.sources}
        filtered={Boolean(filters.team)}
      />
    ) : (
      props.children(report.value, filters)
    );
  }

  return (
    <Box component="section" aria-label={props.label}>
      <FiltersBar filters={filters} onChange={setFilters} />
      {body}
    </Box>
  );
}
