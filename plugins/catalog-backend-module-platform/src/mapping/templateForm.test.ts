// The form is checked with what the scaffolder itself uses: RJSF's defaults
// and validator (@rjsf/* and ajv-errors, as @backstage/plugin-scaffolder-react
// uses them) and
// the template engine of @backstage/plugin-scaffolder-backend (nunjitsu).
// They are not dependencies of this package; they are installed with the app.
/* eslint-disable @backstage/no-undeclared-imports */
import { getDefaultFormState } from '@rjsf/utils';
import { customizeValidator } from '@rjsf/validator-ajv8';
import ajvErrors from 'ajv-errors';
import { createTemplateRenderer } from 'nunjitsu';
/* eslint-enable @backstage/no-undeclared-imports */
import { JsonObject } from '@trellis/backstage-plugin-platform-common';
import { capability } from '../__testUtils__/fixtures';
import { capabilityToTemplateEntity } from './capabilityEntities';

/**
 * The input schema of the Kratix marketplace's MongoDB Promise, cut down to
 * what matters here: `prometheus` is optional, but once present it needs a
 * `username` and `passwordSecretRef.name`; its `tlsSecretKeyRef` is optional
 * in turn and needs a `name`.
 */
const mongodb: JsonObject = {
  type: 'object',
  required: ['members', 'version'],
  properties: {
    members: { type: 'integer', minimum: 1, default: 1 },
    version: { type: 'string', default: '6.0.5' },
    prometheus: {
      type: 'object',
      description: 'Metrics for Prometheus',
      required: ['passwordSecretRef', 'username'],
      properties: {
        username: { type: 'string' },
        passwordSecretRef: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string' },
            key: { type: 'string' },
          },
        },
        metricsPath: { type: 'string' },
        port: { type: 'integer' },
        tlsSecretKeyRef: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, key: { type: 'string' } },
        },
      },
    },
  },
  additionalProperties: false,
};

// As the scaffolder's Stepper creates it.
const validator = customizeValidator();
ajvErrors(validator.ajv);

/** What the scaffolder's form does with a page: extract ui:*, fill in defaults. */
function scaffolderPage(page: JsonObject) {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !key.startsWith('ui:'))
        .map(([key, v]) => [key, strip(v)]),
    );
  };
  const schema = strip(page) as any;
  return {
    schema,
    /** The form's data after the user typed `input`, with RJSF's defaults. */
    fill(input: JsonObject) {
      // As the scaffolder's Stepper configures RJSF.
      return getDefaultFormState(validator, schema, input, schema, false, {
        allOf: 'populateDefaults',
      }) as JsonObject;
    },
    errors(formData: Record<string, unknown>) {
      return validator
        .validateFormData(formData, schema)
        .errors.map(e => `${e.property} ${e.message}`);
    },
  };
}

function renderSpec(specInput: JsonObject, parameters: JsonObject) {
  const renderer = createTemplateRenderer({ allowRegexExecution: true });
  const context = renderer.prepareContext({ parameters });
  return JSON.parse(
    JSON.stringify(
      Object.fromEntries(
        Object.entries(specInput).map(([key, value]) => [
          key,
          renderer.renderValue(value as string, context),
        ]),
      ),
    ),
  );
}

describe('generated template forms', () => {
  const entity = capabilityToTemplateEntity(
    capability({ inputSchema: mongodb }),
  );
  const page = (entity.spec!.parameters as JsonObject[])[1];
  const specInput = (entity.spec!.steps as any[])[0].input.spec as JsonObject;

  it('can be submitted without the optional object, which stays out of the request', () => {
    const form = scaffolderPage(page);

    const formData = form.fill({});

    expect(form.errors(formData)).toEqual([]);
    expect(renderSpec(specInput, formData)).toEqual({
      members: 1,
      version: '6.0.5',
    });
  });

  it('asks for the required fields once the user opts in, and sends them', () => {
    const form = scaffolderPage(page);
    const toggle = 'prometheusEnabled';

    const optedIn = form.fill({ [toggle]: true });
    expect(form.errors(optedIn)).toEqual([
      ".prometheus.username must have required property 'username'",
      ".prometheus.passwordSecretRef.name must have required property 'name'",
      ' Fill in the required fields of prometheus, or turn “Set prometheus” off',
    ]);

    const filled = form.fill({
      [toggle]: true,
      prometheus: { username: 'metrics', passwordSecretRef: { name: 'pw' } },
    });
    expect(form.errors(filled)).toEqual([]);
    expect(renderSpec(specInput, filled)).toEqual({
      members: 1,
      version: '6.0.5',
      prometheus: { username: 'metrics', passwordSecretRef: { name: 'pw' } },
    });
  });

  it('keeps a nested optional object out until the user opts in to it too', () => {
    const form = scaffolderPage(page);
    const prometheus = {
      username: 'metrics',
      passwordSecretRef: { name: 'pw' },
      // Typed, then the user turned the section off again.
      tlsSecretKeyRef: { name: 'left-over' },
    };
    const formData = form.fill({ prometheusEnabled: true, prometheus });

    expect(form.errors(formData)).toEqual([]);
    expect(renderSpec(specInput, formData).prometheus).toEqual({
      username: 'metrics',
      passwordSecretRef: { name: 'pw' },
    });
  });

  it('leaves a turned-off section out even when the form still holds its values', () => {
    const form = scaffolderPage(page);
    const toggle = 'prometheusEnabled';
    // The scaffolder keeps what was typed on a page after a section is hidden.
    const formData = form.fill({
      [toggle]: false,
      prometheus: { username: 'metrics' },
    });

    expect(form.errors(formData)).toEqual([]);
    expect(renderSpec(specInput, formData)).toEqual({
      members: 1,
      version: '6.0.5',
    });
  });

  it('sends a nested optional object once the user opts in to it as well', () => {
    const form = scaffolderPage(page);
    const prometheus = {
      username: 'metrics',
      passwordSecretRef: { name: 'pw' },
      tlsSecretKeyRefEnabled: true,
    };

    const optedIn = form.fill({ prometheusEnabled: true, prometheus });
    expect(form.errors(optedIn)).toEqual([
      ".prometheus.tlsSecretKeyRef.name must have required property 'name'",
      '.prometheus Fill in the required fields of tlsSecretKeyRef, or turn “Set tlsSecretKeyRef” off',
      ' Fill in the required fields of prometheus, or turn “Set prometheus” off',
    ]);

    const filled = form.fill({
      prometheusEnabled: true,
      prometheus: { ...prometheus, tlsSecretKeyRef: { name: 'tls' } },
    });
    expect(form.errors(filled)).toEqual([]);
    expect(renderSpec(specInput, filled).prometheus).toEqual({
      username: 'metrics',
      passwordSecretRef: { name: 'pw' },
      tlsSecretKeyRef: { name: 'tls' },
    });
  });

  it('shows the switch where the object was, and the object right after it', () => {
    const properties = page.properties as JsonObject;

    expect(Object.keys(properties)).toEqual([
      'members',
      'version',
      'prometheusEnabled',
    ]);
    expect(properties.prometheusEnabled).toEqual({
      title: 'Set prometheus',
      type: 'boolean',
      default: false,
      description: 'prometheus is optional: leave this off to not set it.',
    });
    expect(page['ui:order']).toEqual([
      'members',
      'version',
      'prometheusEnabled',
      'prometheus',
      '*',
    ]);
    expect(page.required).toEqual(['members', 'version']);
  });

  it('leaves forms without optional objects as they were', () => {
    const plain = capabilityToTemplateEntity(capability());
    const [, configuration] = plain.spec!.parameters as JsonObject[];

    expect(configuration).not.toHaveProperty('dependencies');
    expect(configuration).not.toHaveProperty('ui:order');
    expect((plain.spec!.steps as any[])[0].input.spec.size).toBe(
      '${{ parameters.size }}',
    );
  });
});
