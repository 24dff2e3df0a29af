import { loadObject } from '../__testUtils__/fixtures';
import { specInputSchema, toJsonSchema } from './toJsonSchema';

describe('specInputSchema', () => {
  it("turns a Promise API's spec schema into plain JSON Schema", () => {
    const promise = loadObject('kratix/promise-postgresql.yaml', 'postgresql');
    const version = (promise.spec!.api as any).spec.versions[0];

    expect(specInputSchema(version.schema.openAPIV3Schema)).toEqual({
      type: 'object',
      required: ['size'],
      properties: {
        size: {
          type: 'string',
          description: 'How much CPU, memory and disk the database gets.',
          enum: ['small', 'medium', 'large'],
        },
        version: { type: 'string', default: '16' },
        storageGi: { type: ['integer', 'null'], minimum: 1 },
        backups: { type: 'boolean', default: true },
        labels: { type: 'object' },
      },
    });
  });

  it('accepts any object when the schema does not describe spec', () => {
    expect(specInputSchema({ type: 'object' })).toEqual({ type: 'object' });
    expect(specInputSchema(undefined)).toEqual({ type: 'object' });
  });
});

describe('toJsonSchema', () => {
  it('converts the OpenAPI v3 keywords JSON Schema spells differently', () => {
    expect(
      toJsonSchema({
        type: 'object',
        properties: {
          port: { 'x-kubernetes-int-or-string': true },
          ratio: { type: 'number', minimum: 0, exclusiveMinimum: true },
          image: { type: 'string', example: 'nginx:1.27', format: 'quantity' },
          when: { type: 'string', format: 'date-time' },
          tags: { type: 'array', items: { type: 'string', maxLength: 10 } },
        },
        additionalProperties: false,
        'x-kubernetes-validations': [{ rule: 'self.port > 0' }],
      }),
    ).toEqual({
      type: 'object',
      properties: {
        port: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
        ratio: { type: 'number', exclusiveMinimum: 0 },
        image: { type: 'string', examples: ['nginx:1.27'] },
        when: { type: 'string', format: 'date-time' },
        tags: { type: 'array', items: { type: 'string', maxLength: 10 } },
      },
      additionalProperties: false,
    });
  });
});
