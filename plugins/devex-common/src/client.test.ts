import { DevexClient } from './client';

function fakeFetch(status: number, body: unknown) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });
  }) as unknown as typeof fetch;
  return { calls, fetchApi: { fetch: fetchFn } };
}

const discoveryApi = {
  getBaseUrl: async (id: string) => `http://backend/api/${id}`,
};

describe('DevexClient', () => {
  it('asks for a metric with the range and team as query parameters', async () => {
    const { calls, fetchApi } = fakeFetch(200, { totals: {} });
    const client = new DevexClient({ discoveryApi, fetchApi });

    await client.getMetric('golden-paths', {
      from: '2026-11-01',
      to: '2026-11-30',
      team: 'group:default/team-a',
    });

    expect(calls[0].url).toBe(
      'http://backend/api/devex/metrics/golden-paths?from=2026-11-01&to=2026-11-30&team=group%3Adefault%2Fteam-a',
    );
    expect(calls[0].init.method).toBe('GET');
  });

  it('posts analytics batches as { events } and can keep the request alive', async () => {
    const { calls, fetchApi } = fakeFetch(200, {
      accepted: 1,
      duplicates: 0,
      rejected: [],
    });
    const client = new DevexClient({ discoveryApi, fetchApi });
    const event = {
      id: 'e1',
      time: '2026-11-30T10:00:00.000Z',
      action: 'navigate',
      subject: '/catalog',
    };

    const result = await client.sendAnalytics([event], { keepalive: true });

    expect(result.accepted).toBe(1);
    expect(calls[0].url).toBe('http://backend/api/devex/analytics');
    expect(calls[0].init.keepalive).toBe(true);
    expect(JSON.parse(calls[0].init.body as string)).toEqual({
      events: [event],
    });
  });

  it('throws the backend error with its status and message', async () => {
    const { fetchApi } = fakeFetch(400, {
      error: { name: 'InputError', message: 'from: must be YYYY-MM-DD' },
      response: { statusCode: 400 },
    });
    const client = new DevexClient({ discoveryApi, fetchApi });

    await expect(
      client.getTeamSummary({
        from: 'yesterday',
        to: '2026-11-30',
        team: 'group:default/a',
      }),
    ).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 400,
      body: { error: { message: 'from: must be YYYY-MM-DD' } },
    });
  });
});
