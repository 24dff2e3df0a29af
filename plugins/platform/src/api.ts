import {
  createApiFactory,
  createApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import {
  PlatformApi,
  PlatformClient,
} from '@trellis/backstage-plugin-platform-common';

/**
 * The platform API as the frontend sees it; implemented by `PlatformClient`.
 *
 * @public
 */
export const platformApiRef = createApiRef<PlatformApi>({
  id: 'plugin.platform.api',
});

/**
 * The factory of {@link platformApiRef}: the shared client over the app's
 * discovery and (credential-adding) fetch APIs.
 *
 * @public
 */
export const platformApiFactory = createApiFactory({
  api: platformApiRef,
  deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
  factory: ({ discoveryApi, fetchApi }) =>
    new PlatformClient({ discoveryApi, fetchApi }),
});
