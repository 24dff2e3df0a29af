import {
  createApiFactory,
  createApiRef,
  gitlabAuthApiRef,
  googleAuthApiRef,
  microsoftAuthApiRef,
  oktaAuthApiRef,
  oneloginAuthApiRef,
  OpenIdConnectApi,
} from '@backstage/core-plugin-api';

/**
 * Gets the signed-in user's own tokens for engines that act on their target
 * system with the user's identity (`Capability.userAuth`).
 *
 * @public
 */
export interface PlatformEngineAuthApi {
  /**
   * An OpenID Connect ID token of the signed-in user from the sign-in
   * provider `provider` (e.g. `okta`), asking the user to sign in with it
   * when needed. Rejects when the user declines or the provider is unknown.
   */
  getToken(provider: string): Promise<string>;
}

/**
 * The {@link PlatformEngineAuthApi}. Its default implementation knows the
 * core OpenID Connect providers; apps with a custom OIDC provider register a
 * factory of their own (see {@link OidcPlatformEngineAuth}).
 *
 * @public
 */
export const platformEngineAuthApiRef = createApiRef<PlatformEngineAuthApi>({
  id: 'plugin.platform.engine-auth',
});

/**
 * The core auth APIs that issue OpenID Connect ID tokens, by the provider
 * ids the auth backend and `Capability.userAuth.provider` use.
 *
 * @public
 */
export const coreOidcAuthApiRefs = {
  google: googleAuthApiRef,
  microsoft: microsoftAuthApiRef,
  okta: oktaAuthApiRef,
  onelogin: oneloginAuthApiRef,
  gitlab: gitlabAuthApiRef,
};

/**
 * Options of {@link OidcPlatformEngineAuth}.
 *
 * @public
 */
export interface OidcPlatformEngineAuthOptions {
  /** The core providers, usually the APIs of {@link coreOidcAuthApiRefs}. */
  providers?: { [provider: string]: OpenIdConnectApi };
  /**
   * The app's own OpenID Connect providers, by the id the capabilities name
   * in `userAuth.provider`; they take precedence over core ones.
   */
  customProviders?: { [provider: string]: OpenIdConnectApi };
}

/**
 * A {@link PlatformEngineAuthApi} over the app's OpenID Connect auth APIs.
 *
 * An app with a custom OIDC provider registers its own factory, e.g.
 *
 * ```ts
 * createApiFactory({
 *   api: platformEngineAuthApiRef,
 *   deps: { ...coreOidcAuthApiRefs, corpOidc: corpOidcAuthApiRef },
 *   factory: ({ corpOidc, ...providers }) =>
 *     new OidcPlatformEngineAuth({
 *       providers,
 *       customProviders: { 'corp-oidc': corpOidc },
 *     }),
 * });
 * ```
 *
 * @public
 */
export class OidcPlatformEngineAuth implements PlatformEngineAuthApi {
  private readonly providers: Map<string, OpenIdConnectApi>;

  constructor(options: OidcPlatformEngineAuthOptions) {
    this.providers = new Map(
      Object.entries({
        ...options.providers,
        ...options.customProviders,
      }),
    );
  }

  async getToken(provider: string): Promise<string> {
    const api = this.providers.get(provider);
    if (!api) {
      const known = [...this.providers.keys()].sort().join(', ') || 'none';
      throw new Error(
        `The sign-in provider '${provider}' is not available in this app ` +
          `(known: ${known}). Register a factory for platformEngineAuthApiRef ` +
          `with OidcPlatformEngineAuth and customProviders: { '${provider}': ` +
          `<your OpenID Connect auth API> }.`,
      );
    }
    return api.getIdToken();
  }
}

/**
 * The default factory of {@link platformEngineAuthApiRef}: ID tokens from
 * the core OpenID Connect providers.
 *
 * @public
 */
export const platformEngineAuthApiFactory = createApiFactory({
  api: platformEngineAuthApiRef,
  deps: coreOidcAuthApiRefs,
  factory: providers => new OidcPlatformEngineAuth({ providers }),
});
