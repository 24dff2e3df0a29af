import { useState } from 'react';
import Box from '@mui/material/Box';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import {
  JsonObject,
  JsonValue,
} from '@trellis/backstage-plugin-platform-common';
import { asSchema, formatValue, JsonSchema, primaryType } from './schema';

/** Props of {@link SchemaForm}. */
export interface SchemaFormProps {
  /** An object schema; its properties become the fields. */
  schema: JsonObject;
  value: JsonObject;
  onChange: (value: JsonObject) => void;
  /** Problems by field path (see validateSpec), shown under the fields. */
  problems?: Record<string, string>;
  disabled?: boolean;
}

/**
 * A form generated from a JSON Schema: text, number, switch and select fields
 * for strings, numbers, booleans and enums, a group per nested object, and a
 * JSON text field for anything else (arrays, free-form values). An optional
 * nested object has a "Set …" switch and is left out while it is off.
 */
export function SchemaForm(props: SchemaFormProps) {
  return (
    <ObjectFields
      schema={asSchema(props.schema)}
      value={props.value}
      onChange={props.onChange}
      problems={props.problems ?? {}}
      disabled={props.disabled}
      path=""
    />
  );
}

type FieldsProps = {
  schema: JsonSchema;
  value: JsonObject;
  onChange: (value: JsonObject) => void;
  problems: Record<string, string>;
  disabled?: boolean;
  path: string;
};

function ObjectFields(props: FieldsProps) {
  const { schema, value, onChange, problems, disabled, path } = props;
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  if (entries.length === 0 && !path) {
    return (
      <Typography color="text.secondary">
        This capability has no settings to change.
      </Typography>
    );
  }
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
      {entries.map(([name, raw]) => {
        const fieldPath = path ? `${path}.${name}` : name;
        const setField = (next: JsonValue | undefined) => {
          const copy = { ...value };
          if (next === undefined) delete copy[name];
          else copy[name] = next;
          onChange(copy);
        };
        return (
          <Field
            key={fieldPath}
            name={name}
            path={fieldPath}
            schema={asSchema(raw)}
            required={required.has(name)}
            value={value[name]}
            onChange={setField}
            problems={problems}
            disabled={disabled}
          />
        );
      })}
    </Box>
  );
}

type FieldProps = {
  name: string;
  path: string;
  schema: JsonSchema;
  required: boolean;
  value: JsonValue | undefined;
  onChange: (value: JsonValue | undefined) => void;
  problems: Record<string, string>;
  disabled?: boolean;
};

function helpText(schema: JsonSchema, value: JsonValue | undefined) {
  const parts = [schema.description];
  if (value === undefined && schema.default !== undefined) {
    parts.push(`Defaults to ${formatValue(schema.default)}.`);
  }
  return parts.filter(Boolean).join(' ');
}

function Field(props: FieldProps) {
  const { name, path, schema, required, value, onChange, problems, disabled } =
    props;
  const id = `schema-field-${path}`;
  const label = schema.title ?? name;
  const problem = problems[path];
  const helperText = problem ?? (helpText(schema, value) || undefined);
  const type = primaryType(schema);

  if (schema.enum && schema.enum.length > 0) {
    const options = schema.enum;
    const index = options.findIndex(option => option === value);
    return (
      <TextField
        id={id}
        select
        label={label}
        required={required}
        disabled={disabled}
        value={index < 0 ? '' : String(index)}
        onChange={e =>
          onChange(
            e.target.value === '' ? undefined : options[Number(e.target.value)],
          )
        }
        error={Boolean(problem)}
        helperText={helperText}
        fullWidth
      >
        {!required && (
          <MenuItem value="">
            <em>Not set</em>
          </MenuItem>
        )}
        {options.map((option, i) => (
          <MenuItem key={formatValue(option)} value={String(i)}>
            {formatValue(option)}
          </MenuItem>
        ))}
      </TextField>
    );
  }

  if (type === 'boolean') {
    const checked =
      typeof value === 'boolean' ? value : schema.default === true;
    return (
      <FormControl error={Boolean(problem)} disabled={disabled}>
        <FormControlLabel
          control={
            <Switch
              id={id}
              checked={checked}
              onChange={e => onChange(e.target.checked)}
            />
          }
          label={label}
        />
        {helperText && <FormHelperText>{helperText}</FormHelperText>}
      </FormControl>
    );
  }

  if (type === 'integer' || type === 'number') {
    return (
      <TextField
        id={id}
        type="number"
        label={label}
        required={required}
        disabled={disabled}
        value={typeof value === 'number' ? String(value) : ''}
        onChange={e =>
          onChange(e.target.value === '' ? undefined : Number(e.target.value))
        }
        inputProps={{
          step: type === 'integer' ? 1 : 'any',
          min: schema.minimum,
          max: schema.maximum,
        }}
        placeholder={
          schema.default !== undefined ? formatValue(schema.default) : undefined
        }
        error={Boolean(problem)}
        helperText={helperText}
        fullWidth
      />
    );
  }

  if (type === 'string') {
    return (
      <TextField
        id={id}
        label={label}
        required={required}
        disabled={disabled}
        value={typeof value === 'string' ? value : ''}
        onChange={e =>
          onChange(e.target.value === '' ? undefined : e.target.value)
        }
        inputProps={{ maxLength: schema.maxLength }}
        placeholder={
          schema.default !== undefined ? formatValue(schema.default) : undefined
        }
        error={Boolean(problem)}
        helperText={helperText}
        fullWidth
      />
    );
  }

  if (type === 'object' && schema.properties) {
    const present =
      typeof value === 'object' && value !== null && !Array.isArray(value);
    // An optional object is left out unless the user switches it on: its
    // fields (and their required ones) only count once it is there.
    const optIn = !required;
    return (
      <Box
        component="fieldset"
        sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 2, m: 0 }}
      >
        <Typography component="legend" variant="subtitle2" sx={{ px: 0.5 }}>
          {label}
          {required ? ' *' : ''}
        </Typography>
        {schema.description && (
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
            {schema.description}
          </Typography>
        )}
        {problem && (
          <FormHelperText error sx={{ mb: 1 }}>
            {problem}
          </FormHelperText>
        )}
        {optIn && (
          <FormControlLabel
            sx={{ mb: present ? 2 : 0 }}
            control={
              <Switch
                id={`${id}-enabled`}
                checked={present}
                disabled={disabled}
                onChange={e => onChange(e.target.checked ? {} : undefined)}
              />
            }
            label={`Set ${label}`}
          />
        )}
        {(present || !optIn) && (
          <ObjectFields
            schema={schema}
            value={present ? (value as JsonObject) : {}}
            onChange={next =>
              // Switched on, it stays (empty) until switched off.
              onChange(optIn || Object.keys(next).length ? next : undefined)
            }
            problems={problems}
            disabled={disabled}
            path={path}
          />
        )}
      </Box>
    );
  }

  return (
    <JsonField
      id={id}
      label={label}
      required={required}
      disabled={disabled}
      value={value}
      onChange={onChange}
      problem={problem}
      description={helpText(schema, value)}
    />
  );
}

/** Arrays and free-form values are edited as JSON text. */
function JsonField(props: {
  id: string;
  label: string;
  required: boolean;
  disabled?: boolean;
  value: JsonValue | undefined;
  onChange: (value: JsonValue | undefined) => void;
  problem?: string;
  description: string;
}) {
  const [text, setText] = useState(
    props.value === undefined ? '' : JSON.stringify(props.value, null, 2),
  );
  const [invalid, setInvalid] = useState(false);
  return (
    <TextField
      id={props.id}
      label={`${props.label} (JSON)`}
      required={props.required}
      disabled={props.disabled}
      multiline
      minRows={2}
      value={text}
      onChange={e => {
        setText(e.target.value);
        if (e.target.value.trim() === '') {
          setInvalid(false);
          props.onChange(undefined);
          return;
        }
        try {
          props.onChange(JSON.parse(e.target.value));
          setInvalid(false);
        } catch {
          setInvalid(true);
        }
      }}
      error={invalid || Boolean(props.problem)}
      helperText={
        invalid
          ? 'Not valid JSON'
          : props.problem ?? (props.description || undefined)
      }
      fullWidth
    />
  );
}
