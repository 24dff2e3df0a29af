import { waitFor } from '../__testUtils__/harness';
import { WorkQueue } from './WorkQueue';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>(r => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('WorkQueue', () => {
  it('processes a key once however often it is added while waiting', async () => {
    const processed: string[] = [];
    const queue = new WorkQueue({
      concurrency: 1,
      process: async key => {
        processed.push(key);
      },
      onError: jest.fn(),
    });
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.start();
    await waitFor('both keys', () => processed.length === 2);
    await queue.stop();

    expect(processed).toEqual(['a', 'b']);
  });

  it('never runs a key twice at once, and runs it again when added meanwhile', async () => {
    const gate = deferred();
    const processed: string[] = [];
    let active = 0;
    let maxActive = 0;
    const queue = new WorkQueue({
      concurrency: 4,
      process: async key => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        processed.push(key);
        if (processed.length === 1) await gate.promise;
        active -= 1;
      },
      onError: jest.fn(),
    });
    queue.start();
    queue.add('a');
    queue.add('a');
    gate.resolve();
    await waitFor('the second run', () => processed.length === 2);
    await queue.stop();

    expect(maxActive).toBe(1);
  });

  it('keeps to the concurrency limit', async () => {
    const gates = [deferred(), deferred(), deferred()];
    let active = 0;
    let maxActive = 0;
    const queue = new WorkQueue({
      concurrency: 2,
      process: async key => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await gates[Number(key)].promise;
        active -= 1;
      },
      onError: jest.fn(),
    });
    queue.start();
    ['0', '1', '2'].forEach(k => queue.add(k));
    await waitFor('two running', () => active === 2);
    gates.forEach(g => g.resolve());
    await waitFor('all done', () => active === 0);
    await queue.stop();

    expect(maxActive).toBe(2);
  });

  it('adds a key after a delay, and forgets timers when stopped', async () => {
    const processed: string[] = [];
    const queue = new WorkQueue({
      concurrency: 1,
      process: async key => {
        processed.push(key);
      },
      onError: jest.fn(),
    });
    queue.start();
    queue.addAfter('soon', 10);
    queue.addAfter('never', 60_000);
    await waitFor('the delayed key', () => processed.includes('soon'));
    await queue.stop();

    expect(processed).toEqual(['soon']);
  });

  it('reports errors and keeps going', async () => {
    const onError = jest.fn();
    const processed: string[] = [];
    const queue = new WorkQueue({
      concurrency: 1,
      process: async key => {
        if (key === 'bad') throw new Error('boom');
        processed.push(key);
      },
      onError,
    });
    queue.start();
    queue.add('bad');
    queue.add('good');
    await waitFor('the good key', () => processed.includes('good'));
    await queue.stop();

    expect(onError).toHaveBeenCalledWith('bad', new Error('boom'));
  });
});
