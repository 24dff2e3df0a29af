import { OpenIdConnectApi } from '@backstage/core-plugin-api';
import {
  OidcPlatformEngineAuth,
  platformEngineAuthApiFactory,
} from './engineAuth';

function oidc(token: string): OpenIdConnectApi & { getIdToken: jest.Mock } {
  return { getIdToken: jest.fn(async () => token) };
}

describe('OidcPlatformEngineAuth', () => {
  it('returns the ID token of the named provider', async () => {
    const okta = oidc('okta-id-token');
    const google = oidc('google-id-token');
    const auth = new OidcPlatformEngineAuth({ providers: { okta, google } });

    await expect(auth.getToken('okta')).resolves.toBe('okta-id-token');
    expect(okta.getIdToken).toHaveBeenCalledTimes(1);
    expect(google.getIdToken).not.toHaveBeenCalled();
  });

  it('knows custom providers, which win over core ones', async () => {
    const auth = new OidcPlatformEngineAuth({
      providers: { okta: oidc('core-okta') },
      customProviders: { 'corp-oidc': oidc('corp'), okta: oidc('own-okta') },
    });
    await expect(auth.getToken('corp-oidc')).resolves.toBe('corp');
    await expect(auth.getToken('okta')).resolves.toBe('own-okta');
  });

  it('names an unknown provider and how to register it', async () => {
    const auth = new OidcPlatformEngineAuth({
      providers: { okta: oidc('t'), google: oidc('t') },
    });
    await expect(auth.getToken('corp-oidc')).rejects.toThrow(
      "The sign-in provider 'corp-oidc' is not available in this app (known: google, okta). Register a factory for platformEngineAuthApiRef with OidcPlatformEngineAuth and customProviders: { 'corp-oidc': <your OpenID Connect auth API> }.",
    );
  });

  it('passes on a declined sign-in', async () => {
    const okta = {
      getIdToken: jest.fn(async () => {
        throw new Error('Login failed, popup was closed');
      }),
    };
    const auth = new OidcPlatformEngineAuth({ providers: { okta } });
    await expect(auth.getToken('okta')).rejects.toThrow(
      'Login failed, popup was closed',
    );
  });
});

describe('platformEngineAuthApiFactory', () => {
  it('serves the core OpenID Connect providers by their ids', async () => {
    const deps = {
      google: oidc('google'),
      microsoft: oidc('microsoft'),
      okta: oidc('okta'),
      onelogin: oidc('onelogin'),
      gitlab: oidc('gitlab'),
    };
    expect(Object.keys(platformEngineAuthApiFactory.deps).sort()).toEqual(
      Object.keys(deps).sort(),
    );
    const auth = platformEngineAuthApiFactory.factory(deps as any);
    for (const provider of Object.keys(deps)) {
      await expect(auth.getToken(provider)).resolves.toBe(provider);
    }
  });
});
