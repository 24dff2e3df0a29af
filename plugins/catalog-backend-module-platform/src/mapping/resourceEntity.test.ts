import { expectValidEntity, resource } from '../__testUtils__/fixtures';
import { resourceToEntity } from './resourceEntity';

describe('resourceToEntity', () => {
  it('describes the resource as a Resource entity', async () => {
    const entity = resourceToEntity(
      resource({
        id: '6f1c2d3e-0000-4000-8000-000000000001',
        name: 'orders-db',
        environment: 'dev',
        engineRef: { namespace: 'team-a', name: 'orders-db-dev' },
      }),
      { baseUrl: 'https://backstage.example.com' },
    );

    expect(entity).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: 'postgresql-orders-db-dev',
        title: 'orders-db (dev)',
        description: expect.stringContaining('local:postgresql'),
        annotations: {
          'backstage.io/managed-by-location':
            'trellis-platform:trellis-platform',
          'backstage.io/managed-by-origin-location':
            'trellis-platform:trellis-platform',
          'trellis.dev/resource-id': '6f1c2d3e-0000-4000-8000-000000000001',
          'trellis.dev/capability-ref': 'local:postgresql',
          'trellis.dev/environment': 'dev',
          'trellis.dev/phase': 'Ready',
          'trellis.dev/engine-ref':
            '{"namespace":"team-a","name":"orders-db-dev"}',
        },
        links: [
          {
            url: 'https://backstage.example.com/platform/resources/6f1c2d3e-0000-4000-8000-000000000001',
            title: 'Platform resource',
          },
        ],
      },
      spec: {
        type: 'postgresql',
        owner: 'group:default/team-a',
        lifecycle: 'experimental',
        dependencyOf: ['component:default/orders'],
      },
    });
    await expectValidEntity(entity);
  });

  it('is production in production and depends on nothing without a component', async () => {
    const entity = resourceToEntity(
      resource({
        environment: 'production',
        component: undefined,
        engineRef: undefined,
      }),
    );

    expect(entity.spec.lifecycle).toBe('production');
    expect(entity.spec).not.toHaveProperty('dependencyOf');
    expect(entity.metadata.annotations).not.toHaveProperty(
      'trellis.dev/engine-ref',
    );
    // Entity links must be absolute; without app.baseUrl there is none.
    expect(entity.metadata).not.toHaveProperty('links');
    await expectValidEntity(entity);
  });

  it('keeps long names within 63 characters and apart', async () => {
    const long = resource({
      capabilityRef: 'kubernetes:postgresql.cnpg.io',
      name: 'a-very-long-resource-name-that-goes-on-and-on',
      environment: 'staging',
    });
    const similar = resource({
      ...long,
      id: 'other',
      name: 'a-very-long-resource-name-that-goes-on-and-on-2',
    });

    const name = resourceToEntity(long).metadata.name;
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^postgresql-cnpg-io-a-very-long.*-[0-9a-f]{8}$/);
    expect(resourceToEntity(similar).metadata.name).not.toBe(name);
    expect(resourceToEntity(long).spec.type).toBe('postgresql.cnpg.io');
    await expectValidEntity(resourceToEntity(long));
  });

  it('records the phase at the time of the sync', () => {
    const entity = resourceToEntity(
      resource({ status: { phase: 'Provisioning', conditions: [] } }),
    );
    expect(entity.metadata.annotations!['trellis.dev/phase']).toBe(
      'Provisioning',
    );
  });
});
