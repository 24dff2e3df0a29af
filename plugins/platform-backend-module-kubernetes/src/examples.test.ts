import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { promiseApiType, useFakeCluster } from './__testUtils__/testCluster';
import { KubeObject } from './cluster/types';
import { XRD_TYPES } from './crossplane/CrossplaneAdapter';
import { PROMISE_TYPE } from './kratix/KratixAdapter';

// The examples users apply to their clusters (examples/capabilities/kubernetes).
const EXAMPLES = path.resolve(
  __dirname,
  '../../../examples/capabilities/kubernetes',
);

function load(file: string): KubeObject[] {
  return parseAllDocuments(
    fs.readFileSync(path.join(EXAMPLES, file), 'utf8'),
  ).map(document => document.toJS());
}

describe('the example capabilities', () => {
  const cluster = useFakeCluster();

  it('become capabilities once Kratix and Crossplane have accepted them', async () => {
    cluster.server.addType(PROMISE_TYPE);
    for (const promise of load('kratix-postgresql-promise.yaml')) {
      cluster.server.put(PROMISE_TYPE, {
        ...promise,
        status: { status: 'Available' },
      });
      cluster.server.addType(promiseApiType(promise));
    }
    // Crossplane 2 serves v1 XRDs too, as LegacyCluster XRDs with claims.
    const xrdType = XRD_TYPES.find(type => type.version === 'v2')!;
    cluster.server.addType(xrdType);
    for (const file of [
      'crossplane-mysql-xrd.yaml',
      'crossplane-valkey-xrd-v2.yaml',
    ]) {
      for (const object of load(file).filter(
        o => o.kind === 'CompositeResourceDefinition',
      )) {
        cluster.server.put(xrdType, {
          ...object,
          status: {
            conditions: [
              {
                type: 'Established',
                status: 'True',
                reason: 'WatchingCompositeResource',
              },
              {
                type: 'Offered',
                status: 'True',
                reason: 'WatchingCompositeResourceClaim',
              },
            ],
          },
        });
      }
    }
    const { engine, logger } = cluster.createEngine();

    const capabilities = await engine.listCapabilities();

    expect(
      capabilities.map(c => [
        c.name,
        c.title,
        c.instanceKind,
        c.version,
        c.available,
      ]),
    ).toEqual([
      ['postgresql', 'PostgreSQL database', 'PostgreSQL', 'v1.0.0', true],
      [
        'valkeys.cache.trellis.example.com',
        'Valkey cache',
        'Valkey',
        'v1beta1',
        true,
      ],
      [
        'xmysqls.db.trellis.example.com',
        'MySQL database',
        'MySQL',
        'v1alpha1',
        true,
      ],
    ]);
    // The examples use the canonical trellis.dev spelling: no deprecation warnings.
    expect(capabilities[0].links).toEqual([
      {
        url: 'https://cloudnative-pg.io/documentation/',
        title: 'Documentation',
      },
    ]);
    expect(
      logger.warn.mock.calls.filter(([m]) =>
        String(m).includes('deprecated annotation'),
      ),
    ).toEqual([]);
    for (const capability of capabilities) {
      expect(capability.owner).toBe('group:default/platform-team');
      expect(capability.inputSchema).toMatchObject({
        type: 'object',
        properties: expect.any(Object),
      });
    }
  });

  it('come with RBAC that covers the API group of every instance', () => {
    const rules = load('rbac.yaml')
      .filter(o => o.kind === 'ClusterRole')
      .flatMap(
        role =>
          (role as any).rules as Array<{
            apiGroups: string[];
            verbs: string[];
          }>,
      );
    const groups = [
      ...load('kratix-postgresql-promise.yaml').map(
        p => (p.spec!.api as any).spec.group,
      ),
      ...load('crossplane-mysql-xrd.yaml').map(x => x.spec!.group),
      ...load('crossplane-valkey-xrd-v2.yaml')
        .filter(o => o.kind === 'CompositeResourceDefinition')
        .map(x => x.spec!.group),
    ];

    for (const group of groups) {
      const verbs = rules
        .filter(r => r.apiGroups.includes(group))
        .flatMap(r => r.verbs);
      expect([group, verbs.sort()]).toEqual([
        group,
        ['create', 'delete', 'get', 'list', 'patch', 'watch'],
      ]);
    }
  });
  it('come with user RBAC for clusters that act as the user', () => {
    const objects = load('rbac-user-passthrough.yaml');
    const role = objects.find(o => o.kind === 'Role') as any;
    const instances = [
      ...load('kratix-postgresql-promise.yaml').map(p => {
        const api = (p.spec!.api as any).spec;
        return [api.group, api.names.plural];
      }),
      ...load('crossplane-mysql-xrd.yaml').map(x => [
        x.spec!.group,
        (x.spec!.claimNames as any).plural,
      ]),
      ...load('crossplane-valkey-xrd-v2.yaml')
        .filter(o => o.kind === 'CompositeResourceDefinition')
        .map(x => [x.spec!.group, (x.spec!.names as any).plural]),
    ];
    for (const [group, plural] of instances) {
      const verbs = (role.rules as any[])
        .filter(
          r => r.apiGroups.includes(group) && r.resources.includes(plural),
        )
        .flatMap(r => r.verbs);
      expect([group, plural, verbs.sort()]).toEqual([
        group,
        plural,
        ['create', 'delete', 'get', 'patch'],
      ]);
    }
    const binding = objects.find(o => o.kind === 'RoleBinding') as any;
    expect(binding.roleRef.name).toBe(role.metadata.name);
  });
});
