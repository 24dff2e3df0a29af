import { PlatformClient } from './client';

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

describe('PlatformClient', () => {
  it('sends list filters as repeated query parameters', async () => {
    const { calls, fetchApi } = fakeFetch(200, { items: [], totalCount: 0 });
    const client = new PlatformClient({ discoveryApi, fetchApi });

    await client.listResources({
      phase: ['Ready', 'Failed'],
      owner: ['group:default/a'],
      limit: 10,
    });

    expect(calls[0].url).toBe(
      'http://backend/api/platform/resources?phase=Ready&phase=Failed&owner=group%3Adefault%2Fa&limit=10',
    );
  });

  it('posts requests with dry-run, idempotency key and token', async () => {
    const { calls, fetchApi } = fakeFetch(201, { id: 'r1' });
    const client = new PlatformClient({ discoveryApi, fetchApi });

    await client.createResource(
      {
        capabilityRef: 'local:git',
        name: 'x',
        environment: 'dev',
        owner: 'group:default/a',
      },
      { dryRun: true, idempotencyKey: 'k1', token: 't0k' },
    );

    expect(calls[0].url).toBe(
      'http://backend/api/platform/resources?dryRun=true',
    );
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.headers).toEqual({
      'Content-Type': 'application/json',
      'Idempotency-Key': 'k1',
      Authorization: 'Bearer t0k',
    });
  });

  it('throws the backend error with its message and status', async () => {
    const { fetchApi } = fakeFetch(409, {
      error: {
        name: 'ConflictError',
        message: 'Resource x is at generation 2, not 1',
      },
      response: { statusCode: 409 },
    });
    const client = new PlatformClient({ discoveryApi, fetchApi });

    await expect(
      client.updateResource('r1', { spec: {}, generation: 1 }),
    ).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 409,
      body: { error: { message: 'Resource x is at generation 2, not 1' } },
    });
  });
});
