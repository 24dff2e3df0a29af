import { CoalescingRunner } from './CoalescingRunner';

describe('CoalescingRunner', () => {
  it('runs one pass at a time, and once more for everything asked meanwhile', async () => {
    let passes = 0;
    let release!: () => void;
    const runner = new CoalescingRunner(async () => {
      passes += 1;
      if (passes === 1) await new Promise<void>(r => (release = r));
    });
    const first = runner.run();
    await new Promise(setImmediate);
    // Three asks while the first pass runs: they share it, and one more pass.
    const joined = [runner.run(), runner.run(), runner.run()];
    expect(joined.every(p => p === first)).toBe(true);
    release();
    await Promise.all([first, ...joined]);
    expect(passes).toBe(2);
    expect(runner.current).toBeUndefined();
    await runner.run();
    expect(passes).toBe(3);
  });

  it('wakes a waiting pass when asked, stops when told, and settles after the last pass', async () => {
    const log: string[] = [];
    let stop = false;
    const runner: CoalescingRunner = new CoalescingRunner(
      async () => {
        log.push(`pass ${runner.callCount}`);
        if (!runner.asked()) await runner.nextAsk();
        stop = runner.callCount >= 3;
      },
      async () => {
        log.push('settled');
      },
    );
    const running = runner.run(() => stop);
    await new Promise(setImmediate);
    void runner.run(); // wakes the first pass
    await new Promise(setImmediate);
    void runner.run(); // wakes the second; the third is not started
    await running;
    expect(log).toEqual(['pass 1', 'pass 2', 'settled']);
  });

  it('runs once more for a call that comes while the last pass settles', async () => {
    let passes = 0;
    let settling!: () => void;
    let settled = 0;
    const runner = new CoalescingRunner(
      async () => {
        passes += 1;
      },
      async () => {
        settled += 1;
        if (settled === 1) await new Promise<void>(r => (settling = r));
      },
    );
    const first = runner.run();
    await new Promise(setImmediate);
    expect(passes).toBe(1);
    // The pass is done, the run is settling: this call shares the run...
    const late = runner.run();
    expect(late).toBe(first);
    settling();
    await late;
    // ...and still gets a pass of its own, after which the run settles again.
    expect(passes).toBe(2);
    expect(settled).toBe(2);
    expect(runner.current).toBeUndefined();
  });

  it('settles and ends the run when a pass fails', async () => {
    let settled = false;
    const runner = new CoalescingRunner(
      async () => {
        throw new Error('boom');
      },
      async () => {
        settled = true;
      },
    );
    await expect(runner.run()).rejects.toThrow('boom');
    expect(settled).toBe(true);
    expect(runner.current).toBeUndefined();
  });
});
