import { useCallback } from 'react';
import { useApiHolder } from '@backstage/core-plugin-api';
import { Capability } from '@trellis/backstage-plugin-platform-common';
import { platformEngineAuthApiRef } from '../engineAuth';
import { providerTitle } from '../components/shared/providers';

/**
 * The user's token could not be had (for example they closed the sign-in
 * popup). Its message is meant for the user.
 */
export class EngineCredentialsError extends Error {
  name = 'EngineCredentialsError';
}

/**
 * Returns a function that gets the token a change on `capability` must
 * carry: the user's own ID token when the capability's engine acts with the
 * user's identity (`userAuth`), else undefined. Call it right before the
 * change and do not keep the token: the auth API caches and refreshes it.
 * Rejects with an {@link EngineCredentialsError}.
 */
export function useEngineToken(): (
  capability?: Capability,
) => Promise<string | undefined> {
  const apis = useApiHolder();
  return useCallback(
    async (capability?: Capability) => {
      const provider = capability?.userAuth?.provider;
      if (!provider) return undefined;
      const title = providerTitle(provider);
      // Looked up here rather than with useApi so that pages work in apps
      // without the API until a capability actually needs it.
      const auth = apis.get(platformEngineAuthApiRef);
      if (!auth) {
        throw new EngineCredentialsError(
          `${capability.title} changes need your ${title} credentials, but this app does not provide platformEngineAuthApiRef.`,
        );
      }
      try {
        return await auth.getToken(provider);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new EngineCredentialsError(
          `Could not get your ${title} credentials (${reason}).`,
        );
      }
    },
    [apis],
  );
}
