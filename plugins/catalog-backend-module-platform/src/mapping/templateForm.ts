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
}

/** The Configuration page of a capability's form. */
export interface ConfigurationForm {
  /** Undefined when the capability takes no input the form can show. */
  page?: JsonObject;
  fields: SpecField[];
}

/**
 * The form page for a capability's input schema. The scaffolder keeps the
 * parameters of all pages in one object, so spec fields named like a field
 * of the first page are renamed (`spec_name`) and mapped back in the steps.
 */
export function configurationForm(inputSchema: JsonObject): ConfigurationForm {
  const schema = formSchema({ ...inputSchema, type: 'object' });
  const properties = isObject(schema?.properties) ? schema!.properties : {};
  const required = new Set(
    Array.isArray(schema?.required) ? (schema!.required as string[]) : [],
  );

  const used = new Set(WHERE_FIELDS);
  const fields: SpecField[] = [];
  const pageProperties: JsonObject = {};
  const pageRequired: string[] = [];
  for (const [specKey, property] of Object.entries(properties)) {
    let formKey = specKey;
    while (used.has(formKey)) formKey = `spec_${formKey}`;
    used.add(formKey);
    fields.push({ specKey, formKey });
    const field = property as JsonObject;
    // A renamed field keeps its original name as its label.
    pageProperties[formKey] =
      formKey !== specKey && field.title === undefined
        ? { title: specKey, ...field }
        : field;
    if (required.has(specKey)) pageRequired.push(formKey);
  }

  if (!fields.length) return { fields };
  const page: JsonObject = { title: 'Configuration' };
  if (typeof inputSchema.description === 'string') {
    page.description = inputSchema.description;
  }
  if (pageRequired.length) page.required = pageRequired;
  page.properties = pageProperties;
  return { page, fields };
}

/** A template expression that reads one form field. */
export function parameterExpression(formKey: string): string {
  const path = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(formKey)
    ? `parameters.${formKey}`
    : `parameters[${JSON.stringify(formKey)}]`;
  return `\${{ ${path} }}`;
}
