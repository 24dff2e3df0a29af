import { ResponseError } from '@backstage/errors';
import { AnalyticsEventInput } from '@trellis/backstage-plugin-devex-common';
import { AnalyticsBatcher } from './AnalyticsBatcher';

function event(n: number): AnalyticsEventInput {
  return {
    id: `event-${n}`,
    time: '2026-11-30T10:00:00.000Z',
    action: 'navigate',
    subject: `/page/${n}`,
  };
}

async function responseError(status: number) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({ error: { name: 'Error', message: `status ${status}` } }),
      { status, headers: { 'Content-Type': 'application/json' } },
    ) as any,
  );
}

/** A backend whose answers the test decides, one call at a time. */
function fakeBackend() {
  const calls: { ids: string[]; keepalive: boolean }[] = [];
  const answers: Array<() => Promise<unknown>> = [];
  const send = jest.fn(
    async (events: AnalyticsEventInput[], options: { keepalive: boolean }) => {
      calls.push({ ids: events.map(e => e.id), keepalive: options.keepalive });
      const answer = answers.shift();
      return answer ? answer() : { accepted: events.length };
    },
  );
  return {
    send,
    calls,
    failNext: (times: number, error: () => Promise<unknown>) => {
      for (let i = 0; i < times; i++) {
        answers.push(async () => {
          throw await error();
        });
      }
    },
  };
}

function pageTarget() {
  const listeners = new Map<string, Set<() => void>>();
  const target = {
    document: { visibilityState: 'visible' as DocumentVisibilityState },
    addEventListener: (type: string, listener: () => void) => {
      listeners.set(type, (listeners.get(type) ?? new Set()).add(listener));
    },
    removeEventListener: (type: string, listener: () => void) => {
      listeners.get(type)?.delete(listener);
    },
    fire(type: string) {
      listeners.get(type)?.forEach(l => l());
    },
    listenerCount: () =>
      [...listeners.values()].reduce((sum, set) => sum + set.size, 0),
  };
  return target;
}

describe('AnalyticsBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends a batch once it is full, and the rest after the interval', async () => {
    const backend = fakeBackend();
    const batcher = new AnalyticsBatcher({
      send: backend.send,
      maxBatchSize: 3,
      flushIntervalMs: 5_000,
      target: pageTarget() as any,
    });

    batcher.add(event(1));
    batcher.add(event(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(backend.calls).toEqual([]);

    batcher.add(event(3));
    batcher.add(event(4));
    await jest.advanceTimersByTimeAsync(0);
    expect(backend.calls).toEqual([
      { ids: ['event-1', 'event-2', 'event-3'], keepalive: false },
    ]);

    await jest.advanceTimersByTimeAsync(4_999);
    expect(backend.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(backend.calls[1]).toEqual({ ids: ['event-4'], keepalive: false });
    expect(batcher.pendingCount).toBe(0);
  });

  it('retries a failed batch with doubling delays until the backend acknowledges it', async () => {
    const backend = fakeBackend();
    backend.failNext(2, async () => new TypeError('Failed to fetch'));
    backend.failNext(1, () => responseError(503));
    const batcher = new AnalyticsBatcher({
      send: backend.send,
      maxBatchSize: 2,
      initialRetryDelayMs: 1_000,
      random: () => 1, // no jitter: the delays are the ceilings
      target: pageTarget() as any,
    });

    batcher.add(event(1));
    batcher.add(event(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(backend.calls).toHaveLength(1);

    // Events captured meanwhile wait behind the failing batch.
    batcher.add(event(3));
    batcher.add(event(4));

    await jest.advanceTimersByTimeAsync(999);
    expect(backend.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(backend.calls).toHaveLength(2); // after 1 s
    await jest.advanceTimersByTimeAsync(1_999);
    expect(backend.calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(backend.calls).toHaveLength(3); // after 2 s more
    await jest.advanceTimersByTimeAsync(4_000);
    // The 4th attempt succeeds, then the next batch goes at once.
    expect(backend.calls.map(c => c.ids)).toEqual([
      ['event-1', 'event-2'],
      ['event-1', 'event-2'],
      ['event-1', 'event-2'],
      ['event-1', 'event-2'],
      ['event-3', 'event-4'],
    ]);
    expect(batcher.pendingCount).toBe(0);
    expect(batcher.dropped).toBe(0);
  });

  it('caps the retry delay', async () => {
    const backend = fakeBackend();
    backend.failNext(10, () => responseError(500));
    const batcher = new AnalyticsBatcher({
      send: backend.send,
      maxBatchSize: 1,
      initialRetryDelayMs: 1_000,
      maxRetryDelayMs: 8_000,
      random: () => 1,
      target: pageTarget() as any,
    });
    batcher.add(event(1));
    await jest.advanceTimersByTimeAsync(1_000 + 2_000 + 4_000 + 8_000);
    expect(backend.calls).toHaveLength(5);
    await jest.advanceTimersByTimeAsync(8_000);
    expect(backend.calls).toHaveLength(6);
    expect(batcher.pendingCount).toBe(1);
  });

  it('drops a batch the backend refuses for good and goes on with the next', async () => {
    const backend = fakeBackend();
    backend.failNext(1, () => responseError(400));
    const batcher = new AnalyticsBatcher({
      send: backend.send,
      maxBatchSize: 1,
      target: pageTarget() as any,
    });
    batcher.add(event(1));
    batcher.add(event(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(backend.calls.map(c => c.ids)).toEqual([['event-1'], ['event-2']]);
    expect(batcher.dropped).toBe(1);
    expect(batcher.pendingCount).toBe(0);
  });

  it('sends everything with keepalive when the page is hidden, including a batch in flight', async () => {
    const backend = fakeBackend();
    let release: () => void = () => {};
    backend.send.mockImplementationOnce(async (events, options) => {
      backend.calls.push({
        ids: events.map(e => e.id),
        keepalive: options.keepalive,
      });
      await new Promise<void>(resolve => {
        release = resolve;
      });
      return {};
    });
    const page = pageTarget();
    const batcher = new AnalyticsBatcher({
      send: backend.send,
      maxBatchSize: 2,
      target: page as any,
    });
    batcher.add(event(1));
    batcher.add(event(2)); // in flight, unanswered
    batcher.add(event(3)); // waiting for the interval
    await jest.advanceTimersByTimeAsync(0);

    page.document.visibilityState = 'hidden';
    page.fire('visibilitychange');
    await jest.advanceTimersByTimeAsync(0);

    expect(backend.calls).toEqual([
      { ids: ['event-1', 'event-2'], keepalive: false },
      { ids: ['event-1', 'event-2'], keepalive: true },
      { ids: ['event-3'], keepalive: true },
    ]);
    expect(batcher.pendingCount).toBe(0);
    release();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(backend.calls).toHaveLength(3); // nothing sent twice more
  });

  it('keeps events whose keepalive request failed and sends them when the page comes back', async () => {
    const backend = fakeBackend();
    backend.failNext(1, async () => new TypeError('Failed to fetch'));
    const page = pageTarget();
    const batcher = new AnalyticsBatcher({
      send: backend.send,
      maxBatchSize: 10,
      flushIntervalMs: 5_000,
      target: page as any,
    });
    batcher.add(event(1));
    page.fire('pagehide');
    await jest.advanceTimersByTimeAsync(0);
    expect(batcher.pendingCount).toBe(1);

    batcher.add(event(2));
    await jest.advanceTimersByTimeAsync(5_000);
    expect(backend.calls.slice(1)).toEqual([
      { ids: ['event-1'], keepalive: false },
      { ids: ['event-2'], keepalive: false },
    ]);
    expect(batcher.pendingCount).toBe(0);
  });

  it('holds at most maxPendingEvents while the backend is down', async () => {
    const backend = fakeBackend();
    backend.failNext(100, () => responseError(502));
    const batcher = new AnalyticsBatcher({
      send: backend.send,
      maxBatchSize: 2,
      maxPendingEvents: 4,
      target: pageTarget() as any,
    });
    for (let i = 1; i <= 6; i++) batcher.add(event(i));
    expect(batcher.pendingCount).toBe(4);
    expect(batcher.dropped).toBe(2);
  });

  it('stops listening to the page when disposed', () => {
    const page = pageTarget();
    const batcher = new AnalyticsBatcher({
      send: fakeBackend().send,
      target: page as any,
    });
    expect(page.listenerCount()).toBe(2);
    batcher.dispose();
    expect(page.listenerCount()).toBe(0);
  });
});
