import { useEffect, useRef } from 'react';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { SignInPage } from '@backstage/core-components';
import { SignInPageProps } from '@backstage/core-plugin-api';

/**
 * Backstage's sign-in page with its first sign-in button focused, so Enter
 * signs in (the page itself focuses nothing). The providers' cards render
 * after the page mounts, and Material UI's button must have mounted its
 * ripple before it can take focus, so it waits for both.
 */
export const FocusedSignInPage = (props: SignInPageProps) => {
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
      <SignInPage {...props} providers={['guest']} />
    </div>
  );
};

/**
 * Guest sign-in for the embedded defaults. Production apps list their
 * identity providers here instead (see app-config.production.yaml).
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
