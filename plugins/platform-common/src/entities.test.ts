import { resourceEntityName, resourceEntityRef } from './entities';

describe('resourceEntityName', () => {
  it('joins capability name, resource name and environment', () => {
    expect(
      resourceEntityName({
        capabilityRef: 'local:postgresql',
        name: 'orders-db',
        environment: 'dev',
      }),
    ).toBe('postgresql-orders-db-dev');
  });

  it('turns dots of the capability name into dashes and lower-cases it', () => {
    expect(
      resourceEntityName({
        capabilityRef: 'kratix:Redis.Marketplace.Kratix.io',
        name: 'cache',
        environment: 'staging',
      }),
    ).toBe('redis-marketplace-kratix-io-cache-staging');
  });

  it('keeps a name of exactly 63 characters', () => {
    const name = 'n'.repeat(63 - 'db--dev'.length);
    const result = resourceEntityName({
      capabilityRef: 'local:db',
      name,
      environment: 'dev',
    });
    expect(result).toBe(`db-${name}-dev`);
    expect(result).toHaveLength(63);
  });

  it('shortens long names to 63 characters with a hash of the full name', () => {
    const resource = {
      capabilityRef: 'crossplane:xpostgresqlinstances.database.example.org',
      name: 'orders-database-primary',
      environment: 'production',
    };
    const full =
      'xpostgresqlinstances-database-example-org-orders-database-primary-production';

    const result = resourceEntityName(resource);

    expect(result).toHaveLength(63);
    // FNV-1a of the full name, pinned: the catalog provider and the
    // scaffolder actions must keep agreeing on names across releases.
    expect(result).toBe(`${full.slice(0, 54)}-f9ff14cc`);
  });

  it('keeps long names that share a prefix apart', () => {
    const base = {
      capabilityRef: 'local:postgresql',
      environment: 'dev',
    };
    const a = resourceEntityName({ ...base, name: `${'x'.repeat(60)}-a` });
    const b = resourceEntityName({ ...base, name: `${'x'.repeat(60)}-b` });
    expect(a.slice(0, 54)).toBe(b.slice(0, 54));
    expect(a).not.toBe(b);
  });

  it('keeps every long name at 63 characters', () => {
    for (let length = 64; length <= 200; length++) {
      const name = 'a'.repeat(length - 'db--dev'.length);
      expect(
        resourceEntityName({
          capabilityRef: 'local:db',
          name,
          environment: 'dev',
        }),
      ).toMatch(/^[a-z0-9-]{54}-[0-9a-f]{8}$/);
    }
  });
});

describe('resourceEntityRef', () => {
  it('refers to a Resource entity in the default namespace', () => {
    expect(
      resourceEntityRef({
        capabilityRef: 'local:postgresql',
        name: 'orders-db',
        environment: 'dev',
      }),
    ).toBe('resource:default/postgresql-orders-db-dev');
  });
});
