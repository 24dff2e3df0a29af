import { useEffect, useRef } from 'react';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { SignInPage, SignInProviderConfig } from '@backstage/core-components';
import {
  ConfigApi,
  SignInPageProps,
  configApiRef,
  githubAuthApiRef,
  useApi,
} from '@backstage/core-plugin-api';

const githubProvider: SignInProviderConfig = {
  id: 'github-auth-provider',
  title: 'GitHub',
  message: 'Sign in using GitHub',
  apiRef: githubAuthApiRef,
};

/**
 * The sign-in options the backend offers: GitHub once
 * `auth.providers.github` has an entry for this auth environment (its
 * clientId is visible to the frontend, see packages/app/config.d.ts), and
 * guest outside production (the guest provider refuses to work there).
 */
export function signInProviders(
  config: ConfigApi,
): Array<'guest' | SignInProviderConfig> {
  const environment =
    config.getOptionalString('auth.environment') ?? 'development';
  const providers: Array<'guest' | SignInProviderConfig> = [];
  if (config.has(`auth.providers.github.${environment}.clientId`)) {
    providers.push(githubProvider);
  }
  if (environment !== 'production') providers.push('guest');
  return providers;
}

/**
 * Backstage's sign-in page with its first sign-in button focused, so Enter
 * signs in (the page itself focuses nothing). The providers' cards render
 * after the page mounts, and Material UI's button must have mounted its
 * ripple before it can take focus, so it waits for both.
 */
export const FocusedSignInPage = (props: SignInPageProps) => {
  const config = useApi(configApiRef);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = root.current;
    if (!el) return undefined;
    const focusFirstButton = () => {
      const button = el.querySelector<HTMLButtonElement>('button');
      if (!button || !button.querySelector('[class*="MuiTouchRipple-root"]')) {
        return false;
      }
      // Someone who already moved focus elsewhere keeps it.
      const active = document.activeElement;
      if (!active || active === document.body || el.contains(active)) {
        button.focus();
      }
      return true;
    };
    if (focusFirstButton()) return undefined;
    const observer = new MutationObserver(() => {
      if (focusFirstButton()) observer.disconnect();
    });
    observer.observe(el, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, []);
  return (
    <div ref={root}>
      <SignInPage {...props} providers={signInProviders(config)} />
    </div>
  );
};

/**
 * Guest sign-in with the embedded defaults, GitHub where it is configured
 * (app-config.production.yaml).
 */
const signInPage = SignInPageBlueprint.make({
  params: {
    loader: async () => props => <FocusedSignInPage {...props} />,
  },
});

export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [signInPage],
});
