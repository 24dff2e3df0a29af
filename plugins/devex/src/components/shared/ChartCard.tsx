import { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import CardHeader from '@mui/material/CardHeader';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import { BarChart } from '@mui/x-charts/BarChart';
import { LineChart } from '@mui/x-charts/LineChart';
import { CsvValue } from './csv';
import { CsvLink } from './CsvLink';

/** One series of a chart; its colour is a key of the theme's palette. */
export interface ChartSeries {
  label: string;
  /** null where there is no value (a week without changes has no lead time). */
  data: (number | null)[];
  color:
    | 'primary'
    | 'secondary'
    | 'success'
    | 'error'
    | 'warning'
    | 'info'
    | 'grey';
}

const CHART_HEIGHT = 260;

/**
 * A titled chart over dates, in the app's theme (light or dark): series
 * colours and axis text come from the MUI theme. Its data downloads as CSV.
 */
export const ChartCard = (props: {
  title: string;
  subheader?: string;
  filename: string;
  kind: 'line' | 'bar';
  /** `YYYY-MM-DD` (days, weeks' Mondays, months' first days). */
  dates: string[];
  series: ChartSeries[];
  stacked?: boolean;
  valueFormatter?: (value: number | null) => string;
  emptyText?: string;
  /** Shown above the chart, e.g. a granularity switch. */
  controls?: ReactNode;
  footer?: ReactNode;
}) => {
  const theme = useTheme();
  const colorOf = (c: ChartSeries['color']) =>
    c === 'grey' ? theme.palette.text.disabled : theme.palette[c].main;
  const series = props.series.map(s => ({
    id: s.label,
    label: s.label,
    data: s.data,
    color: colorOf(s.color),
    valueFormatter: props.valueFormatter,
    ...(props.stacked ? { stack: 'total' } : {}),
  }));
  const csvRows: CsvValue[][] = props.dates.map((date, i) => [
    date,
    ...props.series.map(s => s.data[i]),
  ]);
  const hasData = props.series.some(s => s.data.some(v => v !== null && v > 0));
  const xAxis = [
    {
      data: props.dates,
      scaleType: props.kind === 'bar' ? ('band' as const) : ('point' as const),
      valueFormatter: (date: string) => shortDate(date),
    },
  ];
  const chartProps = {
    height: CHART_HEIGHT,
    xAxis,
    margin: { top: 40, right: 16, bottom: 32, left: 48 },
    slotProps: {
      legend: {
        direction: 'row' as const,
        position: { vertical: 'top' as const, horizontal: 'middle' as const },
        padding: 0,
        itemMarkWidth: 12,
        itemMarkHeight: 12,
        labelStyle: { fontSize: 12, fill: theme.palette.text.primary },
      },
    },
  };

  let chart: ReactNode;
  if (!hasData) {
    chart = (
      <Typography color="text.secondary" sx={{ pt: 4, textAlign: 'center' }}>
        {props.emptyText ?? 'Nothing in this range.'}
      </Typography>
    );
  } else if (props.kind === 'bar') {
    chart = <BarChart {...chartProps} series={series} />;
  } else {
    chart = (
      <LineChart
        {...chartProps}
        series={series.map(s => ({
          ...s,
          showMark: props.dates.length <= 31,
        }))}
      />
    );
  }

  return (
    <Card variant="outlined" sx={{ height: '100%' }}>
      <CardHeader
        title={props.title}
        subheader={props.subheader}
        titleTypographyProps={{ variant: 'h6', component: 'h3' }}
        subheaderTypographyProps={{ variant: 'body2' }}
        action={
          props.dates.length > 0 && (
            <CsvLink
              filename={`${props.filename}.csv`}
              header={['Date', ...props.series.map(s => s.label)]}
              rows={csvRows}
              label={props.title}
            />
          )
        }
      />
      <CardContent sx={{ pt: 0 }}>
        {props.controls}
        <Box
          role="figure"
          aria-label={props.title}
          sx={{ minHeight: CHART_HEIGHT }}
        >
          {chart}
        </Box>
        {props.footer}
      </CardContent>
    </Card>
  );
};

/** `2026-11-30` → `Nov 30`, in the reader's language. */
function shortDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return date;
  return new Date(y, m - 1, d).toLocaleDateString(undefined, {
    month: 'short',
    day: 'numeric',
  });
}
