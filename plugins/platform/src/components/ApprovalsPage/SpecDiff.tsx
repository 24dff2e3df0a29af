import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { JsonValue } from '@trellis/backstage-plugin-platform-common';
import { TableScroll } from '../shared/TableScroll';

export type DiffKind = 'changed' | 'added' | 'removed' | 'same';

export interface DiffRow {
  path: string;
  before?: string;
  after?: string;
  kind: DiffKind;
}

function flatten(
  value: JsonValue | undefined,
  prefix: string,
  out: Map<string, string>,
) {
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0
  ) {
    for (const [key, child] of Object.entries(value)) {
      flatten(child, prefix ? `${prefix}.${key}` : key, out);
    }
    return;
  }
  if (value === undefined) return;
  out.set(prefix || '(spec)', JSON.stringify(value));
}

/**
 * The fields of two specs side by side, by dotted path (`backup.schedule`),
 * in the requested spec's order, removed fields last.
 */
export function diffSpecs(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
): DiffRow[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(before, '', a);
  flatten(after, '', b);
  const rows: DiffRow[] = [];
  for (const [path, value] of b) {
    const old = a.get(path);
    let kind: DiffKind = 'same';
    if (old === undefined) kind = 'added';
    else if (old !== value) kind = 'changed';
    rows.push({ path, before: old, after: value, kind });
  }
  for (const [path, value] of a) {
    if (!b.has(path)) rows.push({ path, before: value, kind: 'removed' });
  }
  return rows;
}

const KIND_TEXT: Record<DiffKind, string> = {
  changed: 'changed',
  added: 'added',
  removed: 'removed',
  same: 'unchanged',
};

const Value = (props: { text?: string; struck?: boolean }) =>
  props.text === undefined ? (
    <Typography variant="body2" color="text.secondary" component="span">
      —
    </Typography>
  ) : (
    <Typography
      component="code"
      variant="body2"
      sx={{
        fontFamily: 'monospace',
        textDecoration: props.struck ? 'line-through' : undefined,
      }}
    >
      {props.text}
    </Typography>
  );

/**
 * The current spec against the requested one, as a table: changed fields
 * are marked in words as well as colour (screen readers and colour-blind
 * readers get the same diff).
 */
export const SpecDiff = (props: {
  before: JsonValue | undefined;
  after: JsonValue | undefined;
}) => {
  const rows = diffSpecs(props.before, props.after);
  const changes = rows.filter(row => row.kind !== 'same').length;
  return (
    <Box>
      <Typography variant="body2" sx={{ mb: 1 }}>
        {changes === 0
          ? 'The requested spec equals the current one.'
          : `${changes} ${changes === 1 ? 'field changes' : 'fields change'}.`}
      </Typography>
      <TableScroll label="Spec changes">
        <Table size="small" aria-label="Spec changes">
          <TableHead>
            <TableRow>
              <TableCell>Field</TableCell>
              <TableCell>Current</TableCell>
              <TableCell>Requested</TableCell>
              <TableCell>Change</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map(row => (
              <TableRow
                key={row.path}
                sx={
                  row.kind === 'same'
                    ? undefined
                    : {
                        backgroundColor: theme =>
                          theme.palette.mode === 'dark'
                            ? 'rgba(255, 193, 7, 0.12)'
                            : 'rgba(255, 193, 7, 0.16)',
                      }
                }
              >
                <TableCell>
                  <Typography
                    component="code"
                    variant="body2"
                    sx={{ fontFamily: 'monospace' }}
                  >
                    {row.path}
                  </Typography>
                </TableCell>
                <TableCell>
                  <Value
                    text={row.before}
                    struck={row.kind === 'changed' || row.kind === 'removed'}
                  />
                </TableCell>
                <TableCell>
                  <Value text={row.after} />
                </TableCell>
                <TableCell>
                  <Typography
                    variant="body2"
                    color={row.kind === 'same' ? 'text.secondary' : undefined}
                    sx={{ fontWeight: row.kind === 'same' ? undefined : 600 }}
                  >
                    {KIND_TEXT[row.kind]}
                  </Typography>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableScroll>
    </Box>
  );
};
