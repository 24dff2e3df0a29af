import { SharedReads } from './SharedReads';

describe('SharedReads', () => {
  function deferred<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  it('shares a read in flight with a request whose catch-up ended before it started', async () => {
    let t = 10;
    const shared = new SharedReads(() => t);
    const read = deferred<string>();
    let reads = 0;
    const fn = () => {
      reads++;
      return read.promise;
    };
    const first = shared.run('k', 10, fn);
    const second = shared.run('k', 10, fn);
    expect(reads).toBe(1);
    read.resolve('rows');
    await expect(Promise.all([first, second])).resolves.toEqual([
      'rows',
      'rows',
    ]);
    // Settled: nothing is kept, the next request reads again.
    expect(shared.size).toBe(0);
    t = 11;
    await expect(shared.run('k', 11, async () => 'again')).resolves.toBe(
      'again',
    );
  });

  it('does not share a read that started before the request had caught up', async () => {
    let t = 10;
    const shared = new SharedReads(() => t);
    const early = deferred<string>();
    const first = shared.run('k', 10, () => early.promise);
    // This request's catch-up ended at 12 and may have read facts the
    // read started at 10 did not see.
    t = 12;
    const second = shared.run('k', 12, async () => 'fresh');
    early.resolve('stale');
    await expect(first).resolves.toBe('stale');
    await expect(second).resolves.toBe('fresh');
    expect(shared.size).toBe(0);
  });

  it('hands a failed read to every request that joined it, and keeps nothing', async () => {
    const shared = new SharedReads(() => 1);
    const read = deferred<string>();
    const a = shared.run('k', 1, () => read.promise);
    const b = shared.run('k', 1, () => read.promise);
    read.reject(new Error('database down'));
    await expect(a).rejects.toThrow('database down');
    await expect(b).rejects.toThrow('database down');
    expect(shared.size).toBe(0);
  });
});
