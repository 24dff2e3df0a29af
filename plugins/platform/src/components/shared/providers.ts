const TITLES: Record<string, string> = {
  google: 'Google',
  microsoft: 'Microsoft',
  okta: 'Okta',
  onelogin: 'OneLogin',
  gitlab: 'GitLab',
};

/** A sign-in provider's name for people: `onelogin` → `OneLogin`. */
export function providerTitle(provider: string): string {
  return TITLES[provider] ?? provider;
}
