import { mockApis } from '@backstage/frontend-test-utils';
import { signInProviders } from './index';

const ids = (config: object) =>
  signInProviders(mockApis.config({ data: config })).map(p =>
    typeof p === 'string' ? p : p.id,
  );

describe('signInProviders', () => {
  it('offers guest only with the embedded defaults', () => {
    expect(ids({ auth: { providers: { guest: {} } } })).toEqual(['guest']);
  });

  it('offers GitHub, then guest, once GitHub is configured in development', () => {
    expect(
      ids({
        auth: { providers: { github: { development: { clientId: 'x' } } } },
      }),
    ).toEqual(['github-auth-provider', 'guest']);
  });

  it('offers only GitHub in production, where the guest provider refuses', () => {
    expect(
      ids({
        auth: {
          environment: 'production',
          providers: { github: { production: { clientId: 'x' } } },
        },
      }),
    ).toEqual(['github-auth-provider']);
  });

  it('does not offer GitHub configured for another environment', () => {
    expect(
      ids({
        auth: {
          environment: 'production',
          providers: { github: { development: { clientId: 'x' } } },
        },
      }),
    ).toEqual([]);
  });
});
