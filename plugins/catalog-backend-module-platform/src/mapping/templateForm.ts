import {
  JsonObject,
  JsonValue,
} from '@trellis/backstage-plugin-platform-common';

/** Fields of the generated form's first page; spec fields must not clash. */
const WHERE_FIELDS = ['name', 'environment', 'owner', 'component'];

const STRING_KEYWORDS = ['title', 'description', 'format', 'pattern'];
const NUMBER_KEYWORDS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
];
const BOOLEAN_KEYWORDS = ['uniqueItems', 'readOnly'];
const VALUE_KEYWORDS = ['default', 'const', 'examples'];
/** Nesting deeper than this is left out of the form. */
const MAX_DEPTH = 8;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Copies the parts of a JSON Schema that the scaffolder's form can render.
 * Unsupported keywords (`$ref`, `allOf`, `if`, `patternProperties`, ...) are
 * dropped; a schema left with nothing to render is undefined.
 */
export function formSchema(
  schema: JsonValue | undefined,
  depth = 0,
): JsonObject | undefined {
  if (!isObject(schema) || depth > MAX_DEPTH) return undefined;
  const result: JsonObject = {};

  const type = schema.type;
  if (typeof type === 'string') {
    result.type = type;
  } else if (Array.isArray(type) && type.every(t => typeof t === 'string')) {
    result.type = type;
  }
  for (const key of STRING_KEYWORDS) {
    if (typeof schema[key] === 'string') result[key] = schema[key];
  }
  for (const key of NUMBER_KEYWORDS) {
    if (typeof schema[key] === 'number') result[key] = schema[key];
  }
  for (const key of BOOLEAN_KEYWORDS) {
    if (typeof schema[key] === 'boolean') result[key] = schema[key];
  }
  for (const key of VALUE_KEYWORDS) {
    if (key in schema) result[key] = schema[key];
  }
  if (Array.isArray(schema.enum) && schema.enum.length) {
    result.enum = schema.enum;
  }
  if (
    Array.isArray(schema.enumNames) &&
    schema.enumNames.every(n => typeof n === 'string')
  ) {
    result.enumNames = schema.enumNames;
  }
  // Form hints a capability author added.
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('ui:')) result[key] = value;
  }

  if (isObject(schema.items)) {
    const items = formSchema(schema.items, depth + 1);
    if (items) result.items = items;
  }
  if (isObject(schema.properties)) {
    const properties: JsonObject = {};
    for (const [key, value] of Object.entries(schema.properties)) {
      const property = formSchema(value, depth + 1);
      if (property) properties[key] = property;
    }
    result.properties = properties;
    if (Array.isArray(schema.required)) {
      const required = schema.required.filter(
        (r): r is string => typeof r === 'string' && r in properties,
      );
      if (required.length) result.required = required;
    }
  }
  if (typeof schema.additionalProperties === 'boolean') {
    result.additionalProperties = schema.additionalProperties;
  } else if (isObject(schema.additionalProperties)) {
    const additional = formSchema(schema.additionalProperties, depth + 1);
    if (additional) result.additionalProperties = additional;
  }
  for (const key of ['oneOf', 'anyOf']) {
    const variants = schema[key];
    if (!Array.isArray(variants) || !variants.length) continue;
    const converted = variants.map(v => formSchema(v, depth + 1));
    // A union with a variant the form cannot show is left out as a whole.
    if (converted.every(Boolean)) result[key] = converted as JsonObject[];
  }

  const renderable =
    'type' in result ||
    'enum' in result ||
    'const' in result ||
    'oneOf' in result ||
    'anyOf' in result ||
    'properties' in result;
  return renderable ? result : undefined;
}

/** One spec field of the form: its key in the spec and in the form. */
export interface SpecField {
  specKey: string;
  formKey: string;
  /**
   * The template expression (without `${{ }}`) that gives the field's value
   * from the form's parameters; it leaves out what the user did not opt in to.
   */
  value: string;
}

/** The Configuration page of a capability's form. */
export interface ConfigurationForm {
  /** Undefined when the capability takes no input the form can show. */
  page?: JsonObject;
  fields: SpecField[];
}

/** A member of a template expression: `a.b`, or `a["b-c"]` for other names. */
function member(base: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? `${base}.${key}`
    : `${base}[${JSON.stringify(key)}]`;
}

/** `key` with `Enabled` appended, made unique among `taken`. */
function switchKey(key: string, taken: Set<string>): string {
  let candidate = `${key}Enabled`;
  while (taken.has(candidate)) candidate = `${candidate}_`;
  taken.add(candidate);
  return candidate;
}

function hasProperties(schema: JsonObject): boolean {
  return (
    schema.type === 'object' &&
    isObject(schema.properties) &&
    Object.keys(schema.properties).length > 0
  );
}

/**
 * An optional object the user must opt in to. The scaffolder's form (RJSF)
 * fills every object it shows with its defaults, `{}` for a required object
 * inside it, so an optional object the user never wanted would be sent, and
 * its required fields would block the form. Objects with a default of their
 * own are left alone: their author wants them present.
 */
function isOptIn(schema: JsonObject, required: boolean): boolean {
  return (
    !required &&
    hasProperties(schema) &&
    !('default' in schema) &&
    !('const' in schema)
  );
}

/**
 * Rewrites the properties of an object schema so that each optional object
 * is behind a switch (`<key>Enabled`, off by default): only when it is on do
 * the object and its fields appear and count, through `if`/`then` (RJSF
 * resolves it for the fields it shows, and the scaffolder's `ajv-errors`
 * gives it a readable message). Returns the
 * new schema and, per original property, the template expression of its value
 * that leaves out switched-off objects and the switches themselves.
 *
 * Objects open to properties the user adds (`additionalProperties`) are kept
 * as they are inside, since rebuilding them would lose those properties.
 */
function withOptIns(
  schema: JsonObject,
  access: (key: string) => string,
  taken: Set<string>,
): { schema: JsonObject; values: Record<string, string>; changed: boolean } {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(
    Array.isArray(schema.required) ? (schema.required as string[]) : [],
  );
  const nextProperties: JsonObject = {};
  const conditions: JsonObject[] = [];
  const order: string[] = [];
  const values: Record<string, string> = {};
  let changed = false;

  for (const [key, raw] of Object.entries(properties)) {
    let property = raw as JsonObject;
    let value = access(key);
    if (hasProperties(property) && !property.additionalProperties) {
      const inner = withOptIns(
        property,
        k => member(access(key), k),
        new Set(Object.keys(property.properties as JsonObject)),
      );
      if (inner.changed) {
        property = inner.schema;
        const entries = Object.entries(inner.values).map(
          ([k, v]) => `${JSON.stringify(k)}: ${v}`,
        );
        value = `({${entries.join(', ')}})`;
        changed = true;
      }
    }
    if (!isOptIn(property, required.has(key))) {
      nextProperties[key] = property;
      order.push(key);
      values[key] = value;
      continue;
    }
    changed = true;
    const toggle = switchKey(key, taken);
    const label = typeof property.title === 'string' ? property.title : key;
    nextProperties[toggle] = {
      title: `Set ${label}`,
      type: 'boolean',
      default: false,
      description: `${label} is optional: leave this off to not set it.`,
    };
    order.push(toggle, key);
    conditions.push({
      if: { properties: { [toggle]: { const: true } }, required: [toggle] },
      then: { properties: { [key]: property }, required: [key] },
      errorMessage: {
        if: `Fill in the required fields of ${label}, or turn “Set ${label}” off`,
      },
    });
    values[key] = `(${value} if ${access(toggle)} else undefined)`;
  }

  if (!changed) return { schema, values, changed };
  const result: JsonObject = { ...schema, properties: nextProperties };
  if (conditions.length) result.allOf = conditions;
  // Conditional fields would otherwise be shown last; show each after its switch.
  result['ui:order'] = [...order, '*'];
  return { schema: result, values, changed };
}

/**
 * The form page for a capability's input schema. The scaffolder keeps the
 * parameters of all pages in one object, so spec fields named like a field
 * of the first page are renamed (`spec_name`) and mapped back in the steps.
 * Optional objects are behind a switch (see `withOptIns`).
 */
export function configurationForm(inputSchema: JsonObject): ConfigurationForm {
  const schema = formSchema({ ...inputSchema, type: 'object' });
  const properties = isObject(schema?.properties) ? schema!.properties : {};
  const required = new Set(
    Array.isArray(schema?.required) ? (schema!.required as string[]) : [],
  );

  const used = new Set(WHERE_FIELDS);
  const renamed: Array<{ specKey: string; formKey: string }> = [];
  const pageProperties: JsonObject = {};
  const pageRequired: string[] = [];
  for (const [specKey, property] of Object.entries(properties)) {
    let formKey = specKey;
    while (used.has(formKey)) formKey = `spec_${formKey}`;
    used.add(formKey);
    renamed.push({ specKey, formKey });
    const field = property as JsonObject;
    // A renamed field keeps its original name as its label.
    pageProperties[formKey] =
      formKey !== specKey && field.title === undefined
        ? { title: specKey, ...field }
        : field;
    if (required.has(specKey)) pageRequired.push(formKey);
  }

  if (!renamed.length) return { fields: [] };
  const optIns = withOptIns(
    { properties: pageProperties, required: pageRequired },
    formKey => member('parameters', formKey),
    used,
  );
  const page: JsonObject = { title: 'Configuration' };
  if (typeof inputSchema.description === 'string') {
    page.description = inputSchema.description;
  }
  if (pageRequired.length) page.required = pageRequired;
  page.properties = optIns.schema.properties;
  for (const key of ['allOf', 'ui:order']) {
    if (optIns.schema[key] !== undefined) page[key] = optIns.schema[key];
  }
  const fields = renamed.map(({ specKey, formKey }) => ({
    specKey,
    formKey,
    value: optIns.values[formKey],
  }));
  return { page, fields };
}

/** A template expression that reads one form field. */
export function parameterExpression(formKey: string): string {
  return `\${{ ${member('parameters', formKey)} }}`;
}

/** A template string whose value is the expression's (not its text). */
export function templateValue(expression: string): string {
  return `\${{ ${expression} }}`;
}
