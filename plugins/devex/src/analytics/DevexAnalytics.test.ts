import { AnalyticsEvent } from '@backstage/core-plugin-api';
import { DevexAnalytics } from './DevexAnalytics';
import { toAnalyticsEventInput } from './toAnalyticsEventInput';

const navigate: AnalyticsEvent = {
  action: 'navigate',
  subject: '/platform/resources',
  attributes: { userEntityRef: 'user:default/jane', filter: 'Ready' },
  context: {
    pluginId: 'platform',
    extensionId: 'page:platform',
    routeRef: 'platform',
    userEntityRef: 'user:default/jane',
  } as unknown as AnalyticsEvent['context'],
};

describe('toAnalyticsEventInput', () => {
  it('keeps where the event came from and drops who did it', () => {
    const input = toAnalyticsEventInput(navigate, {
      now: new Date('2026-11-30T10:00:00Z'),
    });
    expect(input).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      time: '2026-11-30T10:00:00.000Z',
      action: 'navigate',
      subject: '/platform/resources',
      plugin: 'platform',
      extension: 'page:platform',
      attributes: { filter: 'Ready', routeRef: 'platform' },
    });
    expect(JSON.stringify(input)).not.toContain('jane');
  });

  it('gives every event its own id', () => {
    const ids = new Set(
      Array.from({ length: 100 }, () => toAnalyticsEventInput(navigate).id),
    );
    expect(ids.size).toBe(100);
  });
});

describe('DevexAnalytics', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('posts batches to the devex backend with the app fetch API and forwards every event', async () => {
    const requests: { url: string; init: RequestInit }[] = [];
    const fetchApi = {
      fetch: (async (url: string, init: RequestInit) => {
        requests.push({ url, init });
        return new Response(
          JSON.stringify({ accepted: 2, duplicates: 0, rejected: [] }),
          { status: 200, headers: { 'Content-Type': 'application/json' } },
        );
      }) as unknown as typeof fetch,
    };
    const existing = { captureEvent: jest.fn() };
    const broken = {
      captureEvent: () => {
        throw new Error('not configured');
      },
    };
    const analytics = DevexAnalytics.fromApis({
      discoveryApi: { getBaseUrl: async id => `http://backend/api/${id}` },
      fetchApi,
      forwardTo: [broken, existing],
      flushIntervalMs: 1_000,
    });

    analytics.captureEvent(navigate);
    analytics.captureEvent({
      ...navigate,
      action: 'click',
      subject: 'Request',
    });
    expect(existing.captureEvent).toHaveBeenCalledTimes(2);
    expect(requests).toHaveLength(0);

    await jest.advanceTimersByTimeAsync(1_000);
    expect(requests).toHaveLength(1);
    expect(requests[0].url).toBe('http://backend/api/devex/analytics');
    expect(requests[0].init.method).toBe('POST');
    const body = JSON.parse(requests[0].init.body as string);
    expect(body.events.map((e: any) => [e.action, e.subject])).toEqual([
      ['navigate', '/platform/resources'],
      ['click', 'Request'],
    ]);
    expect(requests[0].init.body).not.toContain('jane');
  });
});
