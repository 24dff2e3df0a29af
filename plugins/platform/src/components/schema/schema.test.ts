import { postgres } from '../../__testUtils__/fixtures';
import { capabilityTemplateName } from '../shared/links';
import {
  asSchema,
  constraintsOf,
  flattenFields,
  typeLabel,
  validateSpec,
} from './schema';

describe('schema helpers', () => {
  const schema = asSchema(postgres.inputSchema);

  it('flattens nested objects into documented fields', () => {
    expect(
      flattenFields(schema).map(f => [f.path, f.required, f.depth]),
    ).toEqual([
      ['size', true, 0],
      ['storageGb', false, 0],
      ['highAvailability', false, 0],
      ['backup', false, 0],
      ['backup.schedule', false, 1],
    ]);
  });

  it('describes types and constraints', () => {
    expect(typeLabel({ type: 'array', items: { type: 'string' } })).toBe(
      'array of string',
    );
    expect(typeLabel({ type: ['string', 'null'], format: 'uri' })).toBe(
      'string (uri)',
    );
    expect(typeLabel({ enum: [1, 2] })).toBe('number');
    expect(constraintsOf({ minimum: 1, maximum: 10 })).toEqual(['1 to 10']);
    expect(constraintsOf({ maxLength: 5, pattern: '^a' })).toEqual([
      'at most 5 characters',
      'matches ^a',
    ]);
  });

  it('validates what a form can check before the server does', () => {
    expect(validateSpec(schema, { size: 'small' })).toEqual({});
    expect(validateSpec(schema, {})).toEqual({ size: 'Required' });
    expect(validateSpec(schema, { size: 'huge', storageGb: 0.5 })).toEqual({
      size: 'Must be one of small, medium, large',
      storageGb: 'Must be a whole number',
    });
    expect(validateSpec(schema, { size: 'small', storageGb: 5000 })).toEqual({
      storageGb: 'Must be at most 1000',
    });
    expect(
      validateSpec(
        { properties: { branch: { type: 'string', pattern: '^[a-z]+$' } } },
        { branch: 'Main' },
      ),
    ).toEqual({ branch: 'Must match ^[a-z]+$' });
  });

  it('names the generated request template like the catalog provider', () => {
    expect(capabilityTemplateName('local:postgresql')).toBe(
      'request-local-postgresql',
    );
    expect(capabilityTemplateName('kratix:rabbitmq.messaging')).toBe(
      'request-kratix-rabbitmq-messaging',
    );
  });
});
