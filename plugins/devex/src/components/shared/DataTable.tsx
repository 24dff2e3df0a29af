import { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import CardHeader from '@mui/material/CardHeader';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { CsvValue } from './csv';
import { CsvLink } from './CsvLink';

/** A column: how a row shows in the table and what goes in the CSV. */
export interface Column<T> {
  title: string;
  /** The raw value for the CSV (numbers stay numbers: ratios 0–1, seconds). */
  value: (row: T) => CsvValue;
  /** How the cell shows; defaults to the raw value. */
  render?: (row: T) => ReactNode;
  align?: 'left' | 'right';
  /**
   * Keeps the cell on one line: for names with hyphens ("Golden-path
   * runs"), which a narrow table would otherwise break at the hyphen.
   */
  nowrap?: boolean;
}

/** A titled table with a CSV download of every row; an empty table says so. */
export function DataTable<T>(props: {
  title: string;
  /** The CSV's name without extension, e.g. `devex-adoption-by-team-2026-11-01-2026-11-30`. */
  filename: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T, index: number) => string;
  /** Rows shown apart (the fold of small teams), e.g. in italics. */
  isFolded?: (row: T) => boolean;
  emptyText: string;
  subheader?: string;
}) {
  const { title, columns, rows } = props;
  const header = columns.map(c => c.title);
  const csvRows = rows.map(row => columns.map(c => c.value(row)));
  return (
    <Card variant="outlined" sx={{ height: '100%' }}>
      <CardHeader
        title={title}
        subheader={props.subheader}
        titleTypographyProps={{ variant: 'h6', component: 'h3' }}
        subheaderTypographyProps={{ variant: 'body2' }}
        action={
          rows.length > 0 && (
            <CsvLink
              filename={`${props.filename}.csv`}
              header={header}
              rows={csvRows}
              label={title}
            />
          )
        }
      />
      <CardContent sx={{ pt: 0 }}>
        {rows.length === 0 ? (
          <Typography color="text.secondary">{props.emptyText}</Typography>
        ) : (
          <Box
            sx={{
              overflowX: 'auto',
              maxWidth: '100%',
              // Backstage's theme lets cells break anywhere, which a phone
              // turns into a letter per line: words stay whole, and a table
              // wider than its card scrolls sideways instead.
              '& th, & td': { wordBreak: 'normal', overflowWrap: 'normal' },
              '& thead th': { whiteSpace: 'nowrap' },
            }}
          >
            <Table size="small" aria-label={title}>
              <TableHead>
                <TableRow>
                  {columns.map(c => (
                    <TableCell key={c.title} align={c.align}>
                      {c.title}
                    </TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {rows.map((row, index) => {
                  const folded = props.isFolded?.(row);
                  return (
                    <TableRow
                      key={props.rowKey(row, index)}
                      sx={
                        folded ? { '& td': { fontStyle: 'italic' } } : undefined
                      }
                    >
                      {columns.map(c => (
                        <TableCell
                          key={c.title}
                          align={c.align}
                          sx={c.nowrap ? { whiteSpace: 'nowrap' } : undefined}
                        >
                          {c.render
                            ? c.render(row)
                            : String(c.value(row) ?? '—')}
                        </TableCell>
                      ))}
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </Box>
        )}
      </CardContent>
    </Card>
  );
}
