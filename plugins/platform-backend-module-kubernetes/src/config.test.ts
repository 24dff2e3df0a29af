import { ConfigReader } from '@backstage/config';
import { JsonValue } from '@trellis/backstage-plugin-platform-common';
import { readClusterConfigs } from './config';

function read(clusters: JsonValue[]) {
  return readClusterConfigs(
    new ConfigReader({ platform: { engines: { kubernetes: { clusters } } } }),
  );
}

describe('readClusterConfigs', () => {
  it('reads clusters with their defaults', () => {
    expect(
      read([
        {
          name: 'prod-eu',
          url: 'https://k8s.example.com',
          caData: 'LS0t',
          tokenFile: '/var/run/secrets/token',
          namespaces: { production: 'prod' },
        },
        {
          name: 'dev',
          kubeconfig: { path: '/etc/kubeconfig', context: 'dev' },
          kratix: { enabled: false },
          resyncSeconds: 60,
          owner: 'group:default/platform',
        },
        { name: 'local' },
      ]),
    ).toEqual([
      {
        name: 'prod-eu',
        title: 'Kubernetes (prod-eu)',
        connection: {
          type: 'url',
          url: 'https://k8s.example.com',
          caData: 'LS0t',
          caFile: undefined,
          skipTLSVerify: false,
          token: undefined,
          tokenFile: '/var/run/secrets/token',
        },
        kratix: true,
        crossplane: true,
        namespaces: { production: 'prod' },
        resyncSeconds: 600,
        owner: undefined,
      },
      {
        name: 'dev',
        title: 'Kubernetes (dev)',
        connection: {
          type: 'kubeconfig',
          path: '/etc/kubeconfig',
          context: 'dev',
        },
        kratix: false,
        crossplane: true,
        namespaces: {},
        resyncSeconds: 60,
        owner: 'group:default/platform',
      },
      {
        name: 'local',
        title: 'Kubernetes (local)',
        connection: { type: 'in-cluster' },
        kratix: true,
        crossplane: true,
        namespaces: {},
        resyncSeconds: 600,
        owner: undefined,
      },
    ]);
  });

  it('reads the sign-in provider of clusters that act as the requesting user', () => {
    const [withUserAuth, withoutUserAuth] = read([
      {
        name: 'prod-eu',
        url: 'https://k8s.example.com',
        tokenFile: '/var/run/secrets/token',
        userAuth: { provider: 'okta' },
      },
      { name: 'dev', kubeconfig: {} },
    ]);

    expect(withUserAuth.userAuth).toEqual({ provider: 'okta' });
    expect(withoutUserAuth.userAuth).toBeUndefined();
  });

  it('reads no clusters when none are configured', () => {
    expect(readClusterConfigs(new ConfigReader({}))).toEqual([]);
  });

  it.each([
    [[{ name: 'Prod EU' }], /'Prod EU' is not a valid engine id/],
    [[{ name: 'a' }, { name: 'a' }], /cluster 'a' is configured twice/],
    [
      [{ name: 'a', url: 'https://x', kubeconfig: {} }],
      /either 'url' or 'kubeconfig'/,
    ],
    [
      [{ name: 'a', url: 'https://x', token: 't', tokenFile: '/t' }],
      /either 'token' or 'tokenFile'/,
    ],
    [
      [{ name: 'a', url: 'https://x', caData: 'x', caFile: '/ca' }],
      /either 'caData' or 'caFile'/,
    ],
    [
      [{ name: 'a', namespaces: { production: 'Prod_NS' } }],
      /'Prod_NS' is not a valid namespace name/,
    ],
    [[{ name: 'a', resyncSeconds: 1 }], /resyncSeconds: must be at least 10/],
    [
      [
        { name: 'a', userAuth: { provider: 'okta' } },
        { name: 'b', userAuth: { provider: '' } },
      ],
      /^platform\.engines\.kubernetes\.clusters\[1\]\.userAuth\.provider: name the portal's sign-in provider whose ID tokens the cluster trusts, e\.g\. 'okta'$/,
    ],
    [
      [{ name: 'a', userAuth: {} }],
      /clusters\[0\]\.userAuth\.provider: name the portal's sign-in provider/,
    ],
    [
      [{ name: 'a', userAuth: { provider: '  ' } }],
      /clusters\[0\]\.userAuth\.provider: name the portal's sign-in provider/,
    ],
  ])('rejects %j', (clusters, message) => {
    expect(() => read(clusters)).toThrow(message);
  });
});
