import { act } from '@testing-library/react';
import {
  mockApis,
  renderInTestApp,
  TestApiPair,
} from '@backstage/frontend-test-utils';
import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { signalApiRef, SignalApi } from '@backstage/plugin-signals-react';
import {
  PlatformClient,
  ResourceChangedSignal,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../api';
import {
  approvalsRouteRef,
  capabilityRouteRef,
  changeRequestRouteRef,
  catalogRouteRef,
  fleetRouteRef,
  goldenPathsRouteRef,
  requestTemplateRouteRef,
  resourceRouteRef,
  resourcesRouteRef,
  rootRouteRef,
} from '../routes';
import { API } from './fixtures';

// What alpha.tsx does for the app: lets the shared components resolve the
// legacy-created route refs in a new-frontend-system test app.
[
  catalogRouteRef,
  capabilityRouteRef,
  resourcesRouteRef,
  resourceRouteRef,
  goldenPathsRouteRef,
  fleetRouteRef,
  approvalsRouteRef,
  changeRequestRouteRef,
  requestTemplateRouteRef,
].forEach(ref => convertLegacyRouteRef(ref as any));

export const testRoutes = {
  '/platform': convertLegacyRouteRef(rootRouteRef),
  '/catalog/:namespace/:kind/:name': convertLegacyRouteRef(entityRouteRef),
};

/** The real client, talking to msw. */
export function platformClient() {
  return new PlatformClient({
    discoveryApi: { getBaseUrl: async () => API },
    fetchApi: { fetch: (...args) => fetch(...args) },
  });
}

/** A signal API whose messages the test publishes. */
export function createSignalMock() {
  const subscribers = new Map<string, Set<(message: any) => void>>();
  const api: SignalApi = {
    subscribe(channel, onMessage) {
      const set = subscribers.get(channel) ?? new Set();
      set.add(onMessage as (message: any) => void);
      subscribers.set(channel, set);
      return { unsubscribe: () => set.delete(onMessage as any) };
    },
  };
  return {
    api,
    pair: [signalApiRef, api] as const,
    channels: () =>
      [...subscribers.entries()].filter(([, s]) => s.size > 0).map(([c]) => c),
    /** What the platform sends: that something changed, nothing more. */
    publish(
      channel: string,
      message: ResourceChangedSignal = { type: 'changed' },
    ) {
      act(() => {
        subscribers.get(channel)?.forEach(cb => cb(message));
      });
    },
  };
}

type PermissionDecision = Exclude<
  NonNullable<Parameters<typeof mockApis.permission>[0]>['authorize'],
  Function | undefined
>;

/** A permission API that denies the named permissions and allows the rest. */
export function denying(
  ...names: string[]
): ReturnType<typeof mockApis.permission> {
  return mockApis.permission({
    authorize: request =>
      (names.includes(request.permission.name)
        ? 'DENY'
        : 'ALLOW') as unknown as PermissionDecision,
  });
}

/** Renders a page element the way the portal mounts it, with the platform API. */
export function renderPlatform(
  element: JSX.Element,
  options: {
    apis?: TestApiPair<any>[];
    path?: string;
    mountPath?: string;
  } = {},
) {
  return renderInTestApp(element, {
    apis: [[platformApiRef, platformClient()], ...(options.apis ?? [])],
    mountedRoutes: testRoutes,
    initialRouteEntries: options.path ? [options.path] : undefined,
    mountPath: options.mountPath,
  });
}
