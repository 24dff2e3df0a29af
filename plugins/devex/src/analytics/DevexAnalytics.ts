import {
  AnalyticsApi,
  analyticsApiRef,
  createApiFactory,
  discoveryApiRef,
  DiscoveryApi,
  fetchApiRef,
  FetchApi,
} from '@backstage/core-plugin-api';
import { DevexClient } from '@trellis/backstage-plugin-devex-common';
import { AnalyticsBatcher, AnalyticsBatcherOptions } from './AnalyticsBatcher';
import {
  AnyAnalyticsEvent,
  toAnalyticsEventInput,
} from './toAnalyticsEventInput';

/** @public */
export interface DevexAnalyticsOptions
  extends Omit<AnalyticsBatcherOptions, 'send'> {
  discoveryApi: DiscoveryApi;
  /** The app's fetch API: it adds the user's credentials, from which the backend knows who it was. */
  fetchApi: FetchApi;
  /**
   * Analytics implementations that get every event too, e.g. the app's
   * existing Google Analytics or Matomo implementation.
   */
  forwardTo?: AnalyticsApi[];
}

/**
 * Analytics for the DevEx metrics: sends every event, in batches, to the
 * devex backend (`POST /api/devex/analytics`), which stores it as an
 * activity fact of the signed-in user. Works as the app's `analyticsApiRef`
 * in legacy apps (forwarding to other implementations if given) and as an
 * analytics implementation in the new frontend system.
 *
 * @public
 */
export class DevexAnalytics implements AnalyticsApi {
  static fromApis(options: DevexAnalyticsOptions): DevexAnalytics {
    return new DevexAnalytics(options);
  }

  private readonly batcher: AnalyticsBatcher;
  private readonly forwardTo: AnalyticsApi[];

  private constructor(options: DevexAnalyticsOptions) {
    const { discoveryApi, fetchApi, forwardTo, ...batching } = options;
    const client = new DevexClient({ discoveryApi, fetchApi });
    this.forwardTo = forwardTo ?? [];
    this.batcher = new AnalyticsBatcher({
      ...batching,
      send: (events, { keepalive }) =>
        client.sendAnalytics(events, { keepalive }),
    });
  }

  captureEvent(event: AnyAnalyticsEvent) {
    this.batcher.add(toAnalyticsEventInput(event));
    for (const other of this.forwardTo) {
      try {
        other.captureEvent(
          event as Parameters<AnalyticsApi['captureEvent']>[0],
        );
      } catch {
        // One failing implementation must not take the others down.
      }
    }
  }

  /** Sends what is pending now (e.g. before signing out). */
  flush() {
    this.batcher.flush();
  }
}

/**
 * The legacy app's `analyticsApiRef` as DevEx analytics. Apps that already
 * have an analytics implementation build their own factory with
 * `DevexAnalytics.fromApis({ discoveryApi, fetchApi, forwardTo: [existing] })`.
 *
 * @public
 */
export const devexAnalyticsApiFactory = createApiFactory({
  api: analyticsApiRef,
  deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
  factory: ({ discoveryApi, fetchApi }) =>
    DevexAnalytics.fromApis({ discoveryApi, fetchApi }),
});
