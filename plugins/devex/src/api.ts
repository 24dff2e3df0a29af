import {
  createApiFactory,
  createApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { DevexApi, DevexClient } from '@trellis/backstage-plugin-devex-common';

/**
 * The DevEx API as the frontend sees it; implemented by `DevexClient`.
 *
 * @public
 */
export const devexApiRef = createApiRef<DevexApi>({
  id: 'plugin.devex.api',
});

/**
 * The factory of {@link devexApiRef}: the shared client over the app's
 * discovery and (credential-adding) fetch APIs.
 *
 * @public
 */
export const devexApiFactory = createApiFactory({
  api: devexApiRef,
  deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
  factory: ({ discoveryApi, fetchApi }) =>
    new DevexClient({ discoveryApi, fetchApi }),
});
