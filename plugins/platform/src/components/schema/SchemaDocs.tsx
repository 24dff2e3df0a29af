import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { JsonObject } from '@trellis/backstage-plugin-platform-common';
import {
  asSchema,
  constraintsOf,
  flattenFields,
  formatValue,
  typeLabel,
} from './schema';

/**
 * A capability's input schema as documentation: one row per field with its
 * type, whether it is required, its default, allowed values and constraints.
 */
export const SchemaDocs = (props: { schema: JsonObject }) => {
  const fields = flattenFields(asSchema(props.schema));
  if (fields.length === 0) {
    return (
      <Typography color="text.secondary">
        This capability takes no inputs: a request needs only a name, an
        environment and an owner.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="Inputs">
      <TableHead>
        <TableRow>
          <TableCell>Field</TableCell>
          <TableCell>Type</TableCell>
          <TableCell>Required</TableCell>
          <TableCell>Default</TableCell>
          <TableCell>Description</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {fields.map(field => {
          const constraints = constraintsOf(field.schema);
          return (
            <TableRow key={field.path}>
              <TableCell sx={{ pl: 2 + field.depth * 2 }}>
                <Typography component="code" sx={{ fontFamily: 'monospace' }}>
                  {field.path}
                </Typography>
              </TableCell>
              <TableCell>{typeLabel(field.schema)}</TableCell>
              <TableCell>{field.required ? 'Yes' : 'No'}</TableCell>
              <TableCell>
                {field.schema.default !== undefined && (
                  <Typography component="code" sx={{ fontFamily: 'monospace' }}>
                    {formatValue(field.schema.default)}
                  </Typography>
                )}
              </TableCell>
              <TableCell>
                {field.schema.title && (
                  <Typography variant="body2" fontWeight="medium">
                    {field.schema.title}
                  </Typography>
                )}
                {field.schema.description && (
                  <Typography variant="body2">
                    {field.schema.description}
                  </Typography>
                )}
                {field.schema.enum && (
                  <Box
                    sx={{
                      display: 'flex',
                      flexWrap: 'wrap',
                      gap: 0.5,
                      mt: 0.5,
                    }}
                    aria-label={`Allowed values of ${field.path}`}
                  >
                    <Typography variant="caption" sx={{ mr: 0.5 }}>
                      One of:
                    </Typography>
                    {field.schema.enum.map(value => (
                      <Chip
                        key={formatValue(value)}
                        size="small"
                        variant="outlined"
                        label={formatValue(value)}
                      />
                    ))}
                  </Box>
                )}
                {constraints.length > 0 && (
                  <Typography variant="caption" color="text.secondary">
                    {constraints.join(' · ')}
                  </Typography>
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
};
