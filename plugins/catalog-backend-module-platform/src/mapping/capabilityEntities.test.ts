import { capability, expectValidEntity } from '../__testUtils__/fixtures';
import {
  capabilityToApiEntity,
  capabilityToTemplateEntity,
} from './capabilityEntities';
import { capabilityEntityName, capabilityTemplateName } from './names';

describe('capabilityToApiEntity', () => {
  it('describes the capability as a platform-capability API', async () => {
    const entity = capabilityToApiEntity(capability(), {
      baseUrl: 'https://backstage.example.com/',
    });

    expect(entity).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'API',
      metadata: {
        name: 'local-postgresql',
        title: 'PostgreSQL database',
        description: 'A managed PostgreSQL database',
        annotations: {
          'backstage.io/managed-by-location':
            'trellis-platform:trellis-platform',
          'backstage.io/managed-by-origin-location':
            'trellis-platform:trellis-platform',
          'trellis.dev/capability-ref': 'local:postgresql',
          'trellis.dev/engine': 'local',
          'trellis.dev/capability-version': '16.2.0',
        },
        tags: ['database', 'postgres'],
        links: [
          {
            url: 'https://backstage.example.com/create/templates/default/request-local-postgresql',
            title: 'Request PostgreSQL database',
          },
          { url: 'https://www.postgresql.org/docs/', title: 'Docs' },
        ],
      },
      spec: {
        type: 'platform-capability',
        lifecycle: 'production',
        owner: 'group:default/data-team',
        definition: expect.any(String),
      },
    });
    expect(JSON.parse(entity.spec.definition)).toEqual(
      capability().inputSchema,
    );
    // Pretty printed, so the API page shows it readably.
    expect(entity.spec.definition).toContain('\n  "type": "object"');
    await expectValidEntity(entity);
  });

  it('falls back to the platform team and marks unavailable capabilities experimental', async () => {
    const entity = capabilityToApiEntity(
      capability({
        owner: undefined,
        available: false,
        availabilityMessage: 'The cluster is unreachable',
        description: undefined,
      }),
    );

    expect(entity.spec.owner).toBe('group:default/platform-team');
    expect(entity.spec.lifecycle).toBe('experimental');
    expect(entity.metadata.description).toContain(
      'Unavailable: The cluster is unreachable',
    );
    await expectValidEntity(entity);
  });

  it('keeps only tags and links the catalog accepts', async () => {
    const entity = capabilityToApiEntity(
      capability({
        tags: ['Data Stores', 'SQL', '--', 'sql'],
        links: [
          { url: '/docs/default/component/postgres', title: 'TechDocs' },
          { url: 'not a url', title: 'Broken' },
        ],
      }),
      { baseUrl: 'https://backstage.example.com', templates: false },
    );

    expect(entity.metadata.tags).toEqual(['data-stores', 'sql']);
    expect(entity.metadata.links).toEqual([
      {
        url: 'https://backstage.example.com/docs/default/component/postgres',
        title: 'TechDocs',
      },
    ]);
    await expectValidEntity(entity);
  });

  it('names capabilities with dots and long names within 63 characters', () => {
    expect(capabilityEntityName('kratix:redis.v2')).toBe('kratix-redis-v2');
    expect(capabilityTemplateName('kratix:redis.v2')).toBe(
      'request-kratix-redis-v2',
    );

    const long = `kubernetes:${'a'.repeat(60)}`;
    const other = `kubernetes:${'a'.repeat(59)}b`;
    for (const name of [
      capabilityEntityName(long),
      capabilityTemplateName(long),
    ]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9][-a-z0-9]*[a-z0-9]$/);
    }
    expect(capabilityEntityName(long)).not.toBe(capabilityEntityName(other));
  });
});

describe('capabilityToTemplateEntity', () => {
  it('generates a golden path template for the capability', async () => {
    const entity = capabilityToTemplateEntity(capability());

    expect(entity.apiVersion).toBe('scaffolder.backstage.io/v1beta3');
    expect(entity.kind).toBe('Template');
    expect(entity.metadata).toEqual({
      name: 'request-local-postgresql',
      title: 'Request PostgreSQL database',
      description: 'A managed PostgreSQL database',
      annotations: expect.objectContaining({
        'backstage.io/managed-by-location': 'trellis-platform:trellis-platform',
        'backstage.io/time-saved': 'PT2H',
        'trellis.dev/capability-ref': 'local:postgresql',
      }),
      tags: ['platform', 'database', 'postgres'],
      links: [{ url: 'https://www.postgresql.org/docs/', title: 'Docs' }],
    });
    expect(entity.spec).toMatchObject({
      type: 'platform-resource',
      owner: 'group:default/data-team',
    });
    await expectValidEntity(entity);
  });

  it('asks where the resource goes on the first page', () => {
    const entity = capabilityToTemplateEntity(capability(), {
      environments: ['test', 'prod'],
    });
    const [where] = entity.spec!.parameters as any[];

    expect(where.title).toBe('Where');
    expect(where.required).toEqual(['name', 'environment', 'owner']);
    expect(where.properties.name).toMatchObject({
      type: 'string',
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      maxLength: 63,
      'ui:help': expect.any(String),
    });
    expect(new RegExp(where.properties.name.pattern).test('orders-db')).toBe(
      true,
    );
    expect(new RegExp(where.properties.name.pattern).test('Orders_DB')).toBe(
      false,
    );
    expect(where.properties.environment).toMatchObject({
      enum: ['test', 'prod'],
      default: 'test',
    });
    expect(where.properties.owner).toMatchObject({
      'ui:field': 'MyGroupsPicker',
    });
    expect(where.properties.component).toMatchObject({
      'ui:field': 'PlatformComponentPicker',
    });
  });

  it('signs the user in for engines that act with the user identity', async () => {
    const plain = capabilityToTemplateEntity(capability());
    const [plainWhere] = plain.spec!.parameters as any[];
    expect(plainWhere.properties.engineCredentials).toBeUndefined();
    expect((plain.spec!.steps as any[])[0].input.engineToken).toBeUndefined();

    const entity = capabilityToTemplateEntity({
      ...capability(),
      userAuth: { provider: 'okta' },
    });
    const [where] = entity.spec!.parameters as any[];
    expect(where.required).toEqual([
      'name',
      'environment',
      'owner',
      'engineCredentials',
    ]);
    expect(where.properties.engineCredentials).toMatchObject({
      type: 'string',
      'ui:field': 'PlatformEngineCredentials',
      'ui:options': { capabilityRef: 'local:postgresql' },
    });
    expect((entity.spec!.steps as any[])[0].input).toMatchObject({
      capabilityRef: 'local:postgresql',
      engineToken: '${{ secrets.platformEngineToken }}',
    });
    await expectValidEntity(entity);
  });

  it('builds the configuration page from the input schema', () => {
    const entity = capabilityToTemplateEntity(capability());
    const [, configuration] = entity.spec!.parameters as any[];

    expect(configuration).toEqual({
      title: 'Configuration',
      description: 'How the database is set up',
      required: ['size'],
      properties: {
        size: {
          type: 'string',
          title: 'Size',
          description: 'Compute and storage',
          default: 'small',
          enum: ['small', 'medium', 'large'],
        },
        replicas: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
        backups: { type: 'boolean', default: true },
      },
    });
  });

  it('requests the resource, waits for it and links to it', () => {
    const entity = capabilityToTemplateEntity(capability());

    expect(entity.spec!.steps).toEqual([
      {
        id: 'request',
        name: 'Request PostgreSQL database',
        action: 'platform:resource:request',
        input: {
          capabilityRef: 'local:postgresql',
          name: '${{ parameters.name }}',
          environment: '${{ parameters.environment }}',
          owner: '${{ parameters.owner }}',
          component: '${{ parameters.component }}',
          spec: {
            size: '${{ parameters.size }}',
            replicas: '${{ parameters.replicas }}',
            backups: '${{ parameters.backups }}',
          },
        },
      },
      {
        id: 'wait',
        name: 'Wait until it is ready',
        action: 'platform:resource:wait',
        input: { id: '${{ steps.request.output.id }}' },
      },
    ]);
    expect((entity.spec!.output as any).links).toEqual([
      {
        title: 'Open in the platform portal',
        url: '${{ steps.request.output.link }}',
      },
      {
        title: 'Open in the catalog',
        icon: 'catalog',
        entityRef: '${{ steps.request.output.entityRef }}',
      },
    ]);
  });

  it('copies what the form can render and drops the rest', () => {
    const entity = capabilityToTemplateEntity(
      capability({
        inputSchema: {
          type: 'object',
          required: ['tier', 'network', 'settings', 'name'],
          $defs: { network: { type: 'string' } },
          properties: {
            tier: {
              type: 'string',
              oneOf: [
                { const: 'basic', title: 'Basic' },
                { const: 'premium', title: 'Premium' },
              ],
              'x-vendor': true,
              'ui:widget': 'radio',
            },
            network: { $ref: '#/$defs/network' },
            labels: {
              type: 'object',
              additionalProperties: { type: 'string', maxLength: 63 },
            },
            zones: {
              type: 'array',
              items: { type: 'string', enum: ['a', 'b'] },
              uniqueItems: true,
              allOf: [{ minItems: 1 }],
            },
            settings: {
              type: 'object',
              properties: {
                timeout: { type: 'number', exclusiveMinimum: 0 },
                mode: { if: { const: 1 } },
              },
              required: ['timeout', 'mode'],
            },
            name: { type: 'string', description: 'Database name' },
            'max-connections': { type: 'integer' },
          },
        },
      }),
    );
    const [where, configuration] = entity.spec!.parameters as any[];

    expect(configuration.properties).toEqual({
      tier: {
        type: 'string',
        oneOf: [
          { const: 'basic', title: 'Basic' },
          { const: 'premium', title: 'Premium' },
        ],
        'ui:widget': 'radio',
      },
      labels: {
        type: 'object',
        additionalProperties: { type: 'string', maxLength: 63 },
      },
      zones: {
        type: 'array',
        items: { type: 'string', enum: ['a', 'b'] },
        uniqueItems: true,
      },
      settings: {
        type: 'object',
        properties: { timeout: { type: 'number', exclusiveMinimum: 0 } },
        required: ['timeout'],
      },
      // Renamed: `name` on the first page is the resource's name.
      spec_name: {
        title: 'name',
        type: 'string',
        description: 'Database name',
      },
      'max-connections': { type: 'integer' },
    });
    expect(configuration.required).toEqual(['tier', 'settings', 'spec_name']);
    expect(where.properties.name.title).toBe('Name');

    const spec = (entity.spec!.steps as any[])[0].input.spec;
    expect(spec).toEqual({
      tier: '${{ parameters.tier }}',
      labels: '${{ parameters.labels }}',
      zones: '${{ parameters.zones }}',
      settings: '${{ parameters.settings }}',
      name: '${{ parameters.spec_name }}',
      'max-connections': '${{ parameters["max-connections"] }}',
    });
  });

  it('has only the first page when the capability takes no input', () => {
    const entity = capabilityToTemplateEntity(
      capability({ inputSchema: { type: 'object', properties: {} } }),
    );

    expect(entity.spec!.parameters).toHaveLength(1);
    expect((entity.spec!.steps as any[])[0].input.spec).toEqual({});
  });

  it('takes the time saved and default owner from the options', () => {
    const entity = capabilityToTemplateEntity(
      capability({ owner: undefined }),
      {
        timeSaved: 'PT30M',
        defaultOwner: 'group:default/infra',
      },
    );

    expect(entity.metadata.annotations!['backstage.io/time-saved']).toBe(
      'PT30M',
    );
    expect(entity.spec!.owner).toBe('group:default/infra');
  });
});
