import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import { asUser, TEAM_A } from './harness';

// Fixtures of the per-user token tests: ID tokens, a cluster engine that
// acts as the user and trusts them, and a request for its capability.

/** An unsigned JWT: the platform reads only `exp`; the target verifies the rest. */
export function idToken(subject: string, expiresInSeconds = 3600) {
  const part = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({
    sub: subject,
    exp: Math.floor(Date.now() / 1000) + expiresInSeconds,
  })}.signature`;
}

export const ALICE_TOKEN = idToken('alice@example.com');
export const BOB_TOKEN = idToken('bob@example.com');
export const ADMIN_TOKEN = idToken('admin@example.com');

export const withToken = (user: string, token: string) => ({
  ...asUser(user),
  'Trellis-Engine-Authorization': `Bearer ${token}`,
});

/** A cluster that trusts the portal's OIDC provider: changes act as the user. */
export function clusterEngine(
  options: ConstructorParameters<typeof InMemoryEngine>[0] = {},
) {
  const engine = new InMemoryEngine({
    id: 'cluster',
    title: 'Kubernetes (cluster)',
    capabilities: [testCapability()],
    userAuth: { provider: 'okta' },
    ...options,
  });
  for (const token of [ALICE_TOKEN, BOB_TOKEN, ADMIN_TOKEN]) {
    engine.trustedTokens.add(token);
  }
  return engine;
}

export const clusterRequest = (name: string, environment = 'dev') => ({
  capabilityRef: 'cluster:database',
  name,
  environment,
  owner: TEAM_A,
  spec: {},
});
